#!/usr/bin/env python3
"""Write a valid synthetic Provisor estate of any size, one file per customer.

    python3 Benchmarks/generate-estate.py --customers 10000 --users-per-customer 10 --out estate

The estate reuses examples/manifests' engines and services, adds a provider root with
--resellers resellers below it (every fourth a sub-reseller of the one before), and gives each
customer users with user-scope services, customer-scope services (multi-instance databases, a
website) and, for some, overrides. Output is deterministic for the same arguments.
"""
import argparse
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples", "manifests")
M365_PLANS = ["business-basic", "business-standard", "business-premium"]
FIRST = ["alex", "bea", "cam", "dana", "eli", "fran", "gus", "hana", "ivan", "jo", "kai", "lou", "max", "nia", "oli", "pat"]
LAST = ["smith", "ngata", "lee", "brown", "tane", "patel", "silva", "walker", "kingi", "moore"]


def reseller_code(index):
    return f"R{index:03d}"


def write_resellers(out, count):
    docs = ["apiVersion: provisor/v1\nkind: Reseller\nmetadata: { code: ROOT, name: Synthetic Provider }\nspec:\n"
            "  contact: { name: Ops, email: ops@provider.example }\n  engine: platform-eu\n"]
    for i in range(count):
        sub = i % 4 == 3
        parent = reseller_code(i - 1) if sub else "ROOT"
        engine = "platform-ap" if i % 2 else "platform-eu"
        services = "  services: [m365, mailbox, website, sqldb]\n" if sub else ""
        docs.append(
            f"apiVersion: provisor/v1\nkind: Reseller\nmetadata: {{ code: {reseller_code(i)}, name: Reseller {i} }}\nspec:\n"
            f"  parent: {parent}\n  contact: {{ name: Sales {i}, email: sales@r{i}.example }}\n  engine: {engine}\n{services}"
            f"  overrides:\n    m365:\n      name: Reseller {i} 365\n      plans:\n"
            f"        business-premium: {{ name: R{i} Premium, salesPrice: {20 + i % 5}.00 }}\n")
    with open(os.path.join(out, "resellers.yaml"), "w") as f:
        f.write("---\n".join(docs))


def customer_document(index, resellers, users):
    code = f"C{index:06d}"
    reseller_index = index % resellers
    sub = reseller_index % 4 == 3
    domain = f"c{index:06d}.example"
    lines = [
        "apiVersion: provisor/v1", "kind: Customer", "metadata:", f"  code: {code}", f"  name: Customer {index} Ltd", "spec:",
        f"  reseller: {reseller_code(reseller_index)}",
        f"  type: {'test' if index % 50 == 0 else 'standard'}",
        f"  status: {'suspended' if index % 97 == 0 else 'active'}",
        f"  contact: {{ name: Owner {index}, email: owner@{domain}, phone: \"+64 9 555 {index % 10000:04d}\" }}",
        f"  domains: {{ primary: {domain}, aliases: [mail.{domain}] }}",
        "  location: { type: platform }",
        f"  protect: {'true' if index % 3 == 0 else 'false'}",
        "  services:",
        f"    - {{ service: website, plan: {'business' if index % 2 else 'starter'}, properties: {{ hostname: www.{domain} }} }}",
        "    - { service: sqldb, plan: standard, instance: prod }",
        "    - { service: sqldb, plan: standard, instance: test, properties: { vCores: 1 } }",
    ]
    if index % 5 == 0:
        lines += ["  overrides:", "    m365: { properties: { usageLocation: NZ } }",
                  "    mailbox:", "      plans:", "        pro-50: { name: Custom Mail Pro, salesPrice: 5.50 }"]
    docs = ["\n".join(lines) + "\n"]
    for u in range(users):
        username = f"{FIRST[u % len(FIRST)]}.{LAST[(u // len(FIRST)) % len(LAST)]}{u // (len(FIRST) * len(LAST)) or ''}"
        services = [f"    - {{ service: m365, plan: {M365_PLANS[(index + u) % 3]} }}",
                    f"    - {{ service: mailbox, plan: {'pro-50' if u % 4 == 0 else 'basic-10'} }}"]
        if u == 0 and not sub:
            services.append("    - { service: vdesktop, plan: standard }")
        user = [
            "apiVersion: provisor/v1", "kind: User", f"metadata: {{ username: {username} }}", "spec:",
            f"  customer: {code}", f"  upn: {username}@{domain}", f"  firstName: {username.split('.')[0].title()}",
            f"  lastName: {LAST[(u // len(FIRST)) % len(LAST)].title()}", f"  admin: {'true' if u == 0 else 'false'}",
            f"  password: {{ secretRef: \"env:PW_{code}_{u}\" }}", "  services:", *services,
        ]
        if u % 7 == 3:
            user += ["  overrides:", "    mailbox: { properties: { quotaGB: 20 } }"]
        docs.append("\n".join(user) + "\n")
    return code, "---\n".join(docs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--users-per-customer", type=int, default=10)
    parser.add_argument("--resellers", type=int, default=20)
    parser.add_argument("--out", default="estate")
    args = parser.parse_args()
    if args.resellers < 1 or args.customers < 0 or args.users_per_customer < 0:
        parser.error("--resellers must be at least 1; counts cannot be negative")
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(os.path.join(args.out, "customers"))
    shutil.copy(os.path.join(EXAMPLES, "engines.yaml"), args.out)
    shutil.copytree(os.path.join(EXAMPLES, "services"), os.path.join(args.out, "services"))
    write_resellers(args.out, args.resellers)
    total = 0
    for index in range(args.customers):
        code, text = customer_document(index, args.resellers, args.users_per_customer)
        with open(os.path.join(args.out, "customers", f"{code}.yaml"), "w") as f:
            f.write(text)
        total += len(text)
    print(f"wrote {args.customers} customers, {args.customers * args.users_per_customer} users, "
          f"{args.resellers + 1} resellers to {args.out}/ ({total / 1e6:.1f} MB of customer manifests)")


if __name__ == "__main__":
    main()
