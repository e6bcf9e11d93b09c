/// The names of the resolved attributes that code reads by name, in more than one place: one
/// spelling each. They are also the names engines receive in messages (docs/engines.md).
public enum AttributeName {
    public static let serviceName = "service.name"
    public static let planName = "plan.name"
    public static let planSKU = "plan.sku"
    public static let planCostPrice = "plan.costPrice"
    public static let planSalesPrice = "plan.salesPrice"
    public static let planCurrency = "plan.currency"
    /// The Microsoft 365 licence a plan sells: what right-sizing groups subscriptions by.
    public static let licenseSKU = "plan.license.sku"
    public static let licenseTerm = "plan.license.term"
    public static let licenseBillingCycle = "plan.license.billingCycle"
    public static let domainsPrimary = "domains.primary"
    public static let domainsAliases = "domains.aliases"
    public static let maxUsers = "settings.maxUsers"
}
