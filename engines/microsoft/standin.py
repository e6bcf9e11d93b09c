#!/usr/bin/env python3
"""A local stand-in for the Microsoft services provisor-engine-microsoft talks to: the identity
platform's token endpoint, Partner Center's REST API and Microsoft Graph, on one HTTP port on
127.0.0.1, for the tests and `make demo`. It implements exactly the requests the engine makes,
with the field names, paging, errors and limits of Microsoft's published documentation:

- Tokens: OAuth 2.0 client credentials, POST /{tenant}/oauth2/v2.0/token with `scope`
  `<resource>/.default`, answered {"token_type", "expires_in", "access_token"}; a token is good
  for one tenant and one audience until it expires (401 and `InvalidAuthenticationToken` after).
  https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  An application not consented in a customer tenant (no granular delegated admin relationship)
  gets AADSTS700016. https://learn.microsoft.com/entra/identity-platform/reference-error-codes
- Partner Center (audience https://api.partnercenter.microsoft.com):
  GET /v1/customers?size=N[&filter=] paged through `links.next` and the MS-ContinuationToken
  header (https://learn.microsoft.com/partner-center/developer/get-a-list-of-customers,
  .../get-a-list-of-customers-filtered-by-a-search-field); POST /v1/customers with companyProfile
  and billingProfile (.../create-a-customer); PUT /v1/customers/{id}/profiles/billing
  (.../update-a-customer-s-billing-profile); GET and PATCH /v1/customers/{id}, where
  {"relationshipToPartner": "none"} removes the reseller relationship once no subscription is
  active (.../remove-a-reseller-relationship-with-a-customer);
  GET /v1/customers/{id}/subscriptions and /subscriptions/{sid}, PATCH with the full subscription
  body to change `quantity`, `autoRenewEnabled`, `status` ("deleted" cancels) and
  `scheduledNextTermInstructions` (.../subscription-resources, .../change-the-quantity-of-a-subscription,
  .../create-scheduled-changes); `refundableQuantity` lists the licences still inside the 7-day
  cancellation window (https://learn.microsoft.com/partner-center/customers/cancel-subscriptions-nce);
  POST /v1/customers/{id}/orders with new-commerce line items (.../create-an-order).
  Errors are {"code", "description", "data", "source"} (.../error-codes): 20002 without a
  relationship (403), 800090 for a decrease past the cancellation window. Subscription requests
  are limited to 500 a minute per customer tenant (subscription-resources, "Rate limits").
- Graph (audience https://graph.microsoft.com, token of the customer tenant): GET /v1.0/users
  paged by @odata.nextLink (https://learn.microsoft.com/graph/paging), POST /v1.0/users,
  GET/PATCH/DELETE /v1.0/users/{id|upn}, POST /v1.0/users/{id}/assignLicense
  (https://learn.microsoft.com/graph/api/user-assignlicense; a user needs a usageLocation),
  GET /v1.0/subscribedSkus (.../subscribedsku-list). Errors are {"error": {"code", "message"}}.
- Throttling: 429 with Retry-After (https://learn.microsoft.com/graph/throttling).

Graph's JSON batching: POST /v1.0/$batch with up to 20 requests (https://learn.microsoft.com/graph/json-batching).

Tests steer it through /_standin/...: `throttle` {count, retryAfter}, `take-licences` {count}
(the next assignments fail as if another client took the free licence first), `expire-tokens`, `clock`
{advanceDays}, `customer` {domain, companyName, country, relationship, users: [...]} (a tenant
made outside Provisor), `purchase` {tenant, sku, quantity, daysAgo}, `licence-lag` {seconds}
(licences bought reach subscribedSkus only that long after the order or the quantity change:
"Provisioning subscriptions occurs asynchronously", PC dev/create-an-order), and `GET state`.
Prints "PORT <n>" once listening. Environment: STANDIN_CLIENT_ID, STANDIN_CLIENT_SECRET,
STANDIN_PARTNER_TENANT (the credentials it accepts), STANDIN_PAGE_SIZE (default 100),
STANDIN_TOKEN_SECONDS (default 3599), STANDIN_SUBSCRIPTION_BUDGET (default 500), STANDIN_LOG (a JSON-lines file: one line per request).
"""
import datetime
import hashlib
import json
import os
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

CLIENT_ID = os.environ.get("STANDIN_CLIENT_ID", "00000000-0000-0000-0000-0000000000a1")
CLIENT_SECRET = os.environ.get("STANDIN_CLIENT_SECRET", "stand-in-secret")
PARTNER_TENANT = os.environ.get("STANDIN_PARTNER_TENANT", "partner.onmicrosoft.com")
PAGE_SIZE = int(os.environ.get("STANDIN_PAGE_SIZE", "100"))
TOKEN_SECONDS = int(os.environ.get("STANDIN_TOKEN_SECONDS", "3599"))
LOG = os.environ.get("STANDIN_LOG")
PARTNER_CENTER, GRAPH = "https://api.partnercenter.microsoft.com", "https://graph.microsoft.com"
REFUND_DAYS = 7
SUBSCRIPTION_BUDGET = int(os.environ.get("STANDIN_SUBSCRIPTION_BUDGET", "500"))  # requests a minute per customer tenant

# The SKUs the stand-in sells: part number -> Graph skuId, new-commerce product:sku, name.
CATALOG = {
    "SPB": ("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "CFQ7TTC0LCHC:0002", "Microsoft 365 Business Premium"),
    "O365_BUSINESS_ESSENTIALS": ("3b555118-da6a-4418-894f-7df1e2096870", "CFQ7TTC0LH18:0001", "Microsoft 365 Business Basic"),
    "O365_BUSINESS_PREMIUM": ("f245ecc8-75af-4f8e-b61f-27d8114de5f3", "CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard"),
    "SPE_E3": ("05e9a617-0261-4cee-bb44-138d3ef5d965", "CFQ7TTC0LFLZ:0001", "Microsoft 365 E3"),
    "VISIOCLIENT": ("c5928f49-12ba-48f7-ada3-0d743a3601d5", "CFQ7TTC0HD33:0002", "Visio Plan 2"),
}
BY_OFFER = {offer: part for part, (_, offer, _) in CATALOG.items()}
BY_SKU_ID = {sku: part for part, (sku, _, _) in CATALOG.items()}

lock = threading.Lock()
state = {"offsetDays": 0, "licenceLag": 0, "throttle": [0, 0], "taken": 0, "tokens": {}, "customers": {}, "subscriptions": {}, "users": {}, "budget": {},
         "passwords": {}}  # user id -> SHA-256 of the password set, for tests; Graph never answers it


def now():
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=state["offsetDays"])


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def term_end(start, term):
    """The inclusive end of the term running now, for a subscription started at `start` and
    renewed automatically since."""
    months = {"P1M": 1, "P1Y": 12, "P3Y": 36}[term]
    while True:
        month = start.month - 1 + months
        year, month = start.year + month // 12, month % 12 + 1
        start = datetime.datetime(year, month, min(start.day, 28), tzinfo=datetime.timezone.utc)
        if start - datetime.timedelta(days=1) > now():
            return start - datetime.timedelta(days=1)


class Failure(Exception):
    def __init__(self, status, body, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}


def partner_error(status, code, description):
    return Failure(status, {"code": code, "description": description, "data": [], "source": "PartnerFD"})


def graph_error(status, code, message):
    return Failure(status, {"error": {"code": code, "message": message, "innerError": {"request-id": str(uuid.uuid4())}}})


def refundable(subscription):
    details = []
    for batch in subscription["batches"]:
        until = datetime.datetime.fromisoformat(batch["at"].replace("Z", "+00:00")) + datetime.timedelta(days=REFUND_DAYS)
        if batch["quantity"] > 0 and until > now():
            details.append({"quantity": batch["quantity"], "allowedUntilDateTime": iso(until)})
    return {"totalQuantity": sum(d["quantity"] for d in details), "details": details}


def subscription_view(subscription):
    view = {key: value for key, value in subscription.items() if key not in ("batches", "tenant")}
    view["refundableQuantity"] = refundable(subscription)
    view["attributes"] = {"objectType": "Subscription"}
    return view


def customer_view(customer):
    return {key: value for key, value in customer.items() if key not in ("relationship",)}


def sku_units(tenant):
    """subscribedSkus: what a tenant's active subscriptions pay for and its users consume."""
    units = {}
    for subscription in state["subscriptions"].get(tenant, {}).values():
        part = BY_OFFER.get(subscription["offerId"].rsplit(":", 1)[0] if subscription["offerId"].count(":") > 1 else subscription["offerId"])
        if part and subscription["status"] == "active":
            # Licences bought within the lag are paid for but not in the tenant yet.
            since = now() - datetime.timedelta(seconds=state["licenceLag"])
            arriving = sum(batch["quantity"] for batch in subscription["batches"]
                           if datetime.datetime.fromisoformat(batch["at"].replace("Z", "+00:00")) > since)
            units[part] = units.get(part, 0) + subscription["quantity"] - arriving
    consumed = {}
    for user in state["users"].get(tenant, {}).values():
        for licence in user["assignedLicenses"]:
            consumed[licence["skuId"]] = consumed.get(licence["skuId"], 0) + 1
    parts = set(units) | {BY_SKU_ID[sku] for sku in consumed if sku in BY_SKU_ID}
    return [
        {"id": f"{tenant}_{CATALOG[part][0]}", "skuId": CATALOG[part][0], "skuPartNumber": part, "appliesTo": "User",
         "capabilityStatus": "Enabled", "consumedUnits": consumed.get(CATALOG[part][0], 0),
         "prepaidUnits": {"enabled": units.get(part, 0), "suspended": 0, "warning": 0}}
        for part in sorted(parts)
    ]


def make_customer(domain, company, country, email="admin@" + "example.com", relationship=True):
    tenant = str(uuid.uuid4())
    customer = {
        "id": tenant,
        "companyProfile": {"tenantId": tenant, "domain": domain, "companyName": company},
        "billingProfile": {"companyName": company, "email": email, "culture": "en-US", "language": "en",
                           "defaultAddress": {"country": country}},
        "relationshipToPartner": "reseller", "allowDelegatedAccess": True,
        "attributes": {"objectType": "Customer"}, "relationship": relationship,
    }
    state["customers"][tenant] = customer
    state["subscriptions"][tenant] = {}
    state["users"][tenant] = {}
    return customer


def make_user(tenant, body):
    upn = body.get("userPrincipalName", "")
    if any(u["userPrincipalName"].lower() == upn.lower() for u in state["users"][tenant].values()):
        raise graph_error(400, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
    if not body.get("passwordProfile", {}).get("password"):
        raise graph_error(400, "Request_BadRequest", "Invalid value specified for property 'passwordProfile' of resource 'User'.")
    user = {
        "id": str(uuid.uuid4()), "userPrincipalName": upn, "displayName": body.get("displayName"),
        "givenName": body.get("givenName"), "surname": body.get("surname"), "mailNickname": body.get("mailNickname"),
        "usageLocation": body.get("usageLocation"), "accountEnabled": body.get("accountEnabled", True), "assignedLicenses": [],
    }
    state["users"][tenant][user["id"]] = user
    state["passwords"][user["id"]] = hashlib.sha256(body["passwordProfile"]["password"].encode()).hexdigest()
    return user


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=None, record=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if LOG and record is not None:
            with open(LOG, "a") as log:
                log.write(json.dumps(dict(record, status=status)) + "\n")

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        record = {"method": method, "path": path}
        try:
            with lock:
                status, body, headers = self.route(method, path, query, raw, record)
            self.send(status, body, headers, record)
        except Failure as failure:
            self.send(failure.status, failure.body, failure.headers, record)

    do_GET = lambda self: self.handle_any("GET")
    do_POST = lambda self: self.handle_any("POST")
    do_PATCH = lambda self: self.handle_any("PATCH")
    do_DELETE = lambda self: self.handle_any("DELETE")
    do_PUT = lambda self: self.handle_any("PUT")

    # -- routing -------------------------------------------------------------------------------

    def route(self, method, path, query, raw, record):
        if path.startswith("/_standin/"):
            return self.control(method, path[len("/_standin/"):], json.loads(raw or b"{}"))
        token = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if token and method == "POST":
            return self.token(unquote(token.group(1)), parse_qs(raw.decode()), record)
        if state["throttle"][0] > 0:
            state["throttle"][0] -= 1
            record["throttled"] = True
            body = {"error": {"code": "TooManyRequests", "message": "Too many requests."}} if path.startswith("/v1.0/") else \
                {"code": "429", "description": "Too many requests.", "data": [], "source": "PartnerFD"}
            return 429, body, {"Retry-After": str(state["throttle"][1])}
        if path.startswith("/v1.0/"):
            tenant = self.authorized(GRAPH, record)
            return self.graph(method, path[len("/v1.0"):], query, json.loads(raw or b"{}"), tenant, record)
        if path.startswith("/v1/"):
            self.authorized(PARTNER_CENTER, record, partner=True)
            return self.partner_center(method, path[len("/v1"):], query, json.loads(raw or b"{}"), record)
        raise Failure(404, {"error": {"code": "NotFound", "message": f"no such path {path}"}})

    def authorized(self, audience, record, partner=False):
        header = self.headers.get("Authorization", "")
        entry = state["tokens"].get(header[len("Bearer "):]) if header.startswith("Bearer ") else None
        if entry is None or entry["aud"] != audience or (partner and entry["tenant"] != PARTNER_TENANT):
            raise graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.") if audience == GRAPH else \
                Failure(401, {"code": "401", "description": "Unauthorized: invalid token.", "data": [], "source": "PartnerFD"},
                        {"WWW-Authenticate": "Bearer error=\"invalid_token\""})
        if entry["expires"] <= now():
            record["expired"] = True
            raise graph_error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.") if audience == GRAPH else \
                Failure(401, {"code": "401", "description": "Unauthorized: the access token has expired.", "data": [], "source": "PartnerFD"},
                        {"WWW-Authenticate": "Bearer error=\"invalid_token\", error_description=\"The token expired\""})
        record["tenant"] = entry["tenant"]
        return entry["tenant"]

    def token(self, tenant, form, record):
        field = lambda name: (form.get(name) or [""])[0]
        record.update(token=True, tenant=tenant, scope=field("scope"))
        if field("grant_type") != "client_credentials":
            raise Failure(400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: The app requested an unsupported grant type."})
        if field("client_id") != CLIENT_ID or field("client_secret") != CLIENT_SECRET:
            raise Failure(401, {"error": "invalid_client", "error_description":
                                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."})
        audience = field("scope").removesuffix("/.default")
        if audience not in (PARTNER_CENTER, GRAPH):
            raise Failure(400, {"error": "invalid_scope", "error_description": f"AADSTS70011: The provided value for the input parameter 'scope' is not valid: {field('scope')}"})
        if tenant != PARTNER_TENANT:
            customer = state["customers"].get(tenant)
            if customer is None or not customer["relationship"] or audience != GRAPH:
                raise Failure(400, {"error": "unauthorized_client", "error_description":
                                    f"AADSTS700016: Application with identifier '{CLIENT_ID}' was not found in the directory '{tenant}'. "
                                    "This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."})
        access = uuid.uuid4().hex
        state["tokens"][access] = {"aud": audience, "tenant": tenant, "expires": now() + datetime.timedelta(seconds=TOKEN_SECONDS)}
        return 200, {"token_type": "Bearer", "expires_in": TOKEN_SECONDS, "ext_expires_in": TOKEN_SECONDS, "access_token": access}, {}

    # -- control -------------------------------------------------------------------------------

    def control(self, method, what, body):
        if what == "throttle":
            state["throttle"] = [int(body.get("count", 1)), int(body.get("retryAfter", 1))]
        elif what == "take-licences":
            state["taken"] = int(body.get("count", 1))
        elif what == "expire-tokens":
            for entry in state["tokens"].values():
                entry["expires"] = now()
        elif what == "clock":
            state["offsetDays"] += int(body.get("advanceDays", 0))
        elif what == "customer":
            customer = make_customer(body["domain"], body.get("companyName", body["domain"]), body.get("country", "DE"),
                                     relationship=body.get("relationship", True))
            tenant = customer["id"]
            for user in body.get("users", []):
                made = make_user(tenant, dict(user, passwordProfile={"password": "set-by-hand"}))
                for part in user.get("licenses", []):
                    self.buy(tenant, part, user.get("term", "P1M"), 1, 30)
                    made["assignedLicenses"].append({"skuId": CATALOG[part][0], "disabledPlans": []})
            return 200, customer_view(customer), {}
        elif what == "licence-lag":
            state["licenceLag"] = int(body.get("seconds", 0))
        elif what == "purchase":
            self.buy(body["tenant"], body["sku"], body.get("term", "P1M"), int(body["quantity"]), int(body.get("daysAgo", 0)))
        elif what == "state":
            return 200, {"customers": [customer_view(c) for c in state["customers"].values()],
                         "subscriptions": {t: [subscription_view(s) for s in subs.values()] for t, subs in state["subscriptions"].items()},
                         "users": state["users"], "passwords": state["passwords"]}, {}
        else:
            raise Failure(404, {"error": f"no control {what}"})
        return 200, {}, {}

    def buy(self, tenant, part, term, quantity, days_ago):
        """Licences bought `days_ago` days ago, on the subscription of that SKU and term (made when missing)."""
        at = iso(now() - datetime.timedelta(days=days_ago))
        for subscription in state["subscriptions"][tenant].values():
            if subscription["offerId"].startswith(CATALOG[part][1]) and subscription["termDuration"] == term:
                subscription["quantity"] += quantity
                subscription["batches"].append({"quantity": quantity, "at": at})
                return subscription
        return self.new_subscription(tenant, part, term, "monthly", quantity, at)

    def new_subscription(self, tenant, part, term, cycle, quantity, at):
        sid = str(uuid.uuid4())
        start = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
        subscription = {
            "id": sid, "offerId": CATALOG[part][1] + ":" + "CFQ7TTC0MM8R", "offerName": CATALOG[part][2], "friendlyName": CATALOG[part][2],
            "quantity": quantity, "unitType": "Licenses", "creationDate": at, "effectiveStartDate": at,
            "commitmentEndDate": term_end(start, term).strftime("%Y-%m-%dT00:00:00Z"), "status": "active", "autoRenewEnabled": True,
            "isTrial": False, "billingType": "license", "billingCycle": cycle, "termDuration": term, "productType": {"id": "OnlineServicesNCE"},
            "scheduledNextTermInstructions": None, "batches": [{"quantity": quantity, "at": at}],
        }
        state["subscriptions"][tenant][sid] = subscription
        return subscription

    # -- Partner Center ------------------------------------------------------------------------

    def customer(self, tenant):
        customer = state["customers"].get(tenant)
        if customer is None:
            raise partner_error(404, "600039", f"The customer {tenant} was not found.")
        if not customer["relationship"] or customer["relationshipToPartner"] == "none":
            raise partner_error(403, "20002", f"The partner ID {PARTNER_TENANT} has no commerce relationship with the customer ID {tenant}.")
        return customer

    def spend_budget(self, tenant):
        minute = now().strftime("%Y%m%d%H%M")
        used = state["budget"].get(tenant)
        used = [minute, 0] if used is None or used[0] != minute else used
        used[1] += 1
        state["budget"][tenant] = used
        if used[1] > SUBSCRIPTION_BUDGET:
            raise Failure(429, {"code": "429", "description": "Rate limit is exceeded.", "data": [], "source": "PartnerFD"}, {"Retry-After": "60"})

    def partner_center(self, method, path, query, body, record):
        record["api"] = "partnercenter"
        if path == "/customers" and method == "GET":
            visible = [c for c in state["customers"].values() if c["relationshipToPartner"] == "reseller"]
            if "filter" in query:
                search = json.loads(query["filter"][0])
                value = search.get("Value", "").lower()
                visible = [c for c in visible if c["companyProfile"]["domain"].lower().startswith(value)]
            visible.sort(key=lambda c: c["companyProfile"]["domain"])
            size = min(int(query.get("size", ["200"])[0]), 500)
            start = int(self.headers.get("MS-ContinuationToken") or 0)
            page = visible[start:start + size]
            answer = {"totalCount": len(page), "items": [customer_view(c) for c in page], "attributes": {"objectType": "Collection"}, "links": {}}
            if start + size < len(visible):
                answer["links"]["next"] = {"uri": f"/customers?size={size}", "method": "GET",
                                           "headers": [{"key": "MS-ContinuationToken", "value": str(start + size)}]}
            return 200, answer, {}
        if path == "/customers" and method == "POST":
            domain = body.get("companyProfile", {}).get("domain", "")
            billing = body.get("billingProfile", {})
            country = billing.get("defaultAddress", {}).get("country")
            if not re.fullmatch(r"[a-z0-9]{1,27}\.onmicrosoft\.com", domain):
                raise partner_error(400, "600057", f"The domain '{domain}' is not a valid onmicrosoft.com domain prefix.")
            if any(c["companyProfile"]["domain"] == domain for c in state["customers"].values()):
                raise partner_error(409, "600036", f"The domain {domain} is already in use.")
            if not billing.get("companyName") or not billing.get("email") or not country:
                raise partner_error(400, "2001", "The billing profile needs a company name, an email and a default address with a country.")
            customer = make_customer(domain, billing["companyName"], country, billing["email"])
            customer["billingProfile"] = dict(billing, defaultAddress=billing["defaultAddress"])
            return 201, customer_view(customer), {}
        match = re.fullmatch(r"/customers/([^/]+)(/.*)?", path)
        if not match:
            raise partner_error(404, "404", f"no such path /v1{path}")
        tenant, rest = match.group(1), match.group(2) or ""
        record["customer"] = tenant
        customer = self.customer(tenant)
        if rest == "" and method == "GET":
            return 200, customer_view(customer), {}
        if rest == "" and method == "PATCH":
            if body.get("relationshipToPartner") == "none":
                active = [s for s in state["subscriptions"][tenant].values() if s["status"] == "active"]
                if active:
                    raise partner_error(400, "800088", "The reseller relationship cannot be removed while the customer has active subscriptions.")
                customer["relationshipToPartner"], customer["allowDelegatedAccess"] = "none", False
            return 200, customer_view(customer), {}
        if rest == "/profiles/billing" and method == "PUT":
            if not body.get("email") or not body.get("defaultAddress", {}).get("country"):
                raise partner_error(400, "2001", "The billing profile needs an email and a default address with a country.")
            customer["billingProfile"] = body
            customer["companyProfile"]["companyName"] = body.get("companyName") or customer["companyProfile"]["companyName"]
            return 200, body, {}
        self.spend_budget(tenant)
        subscriptions = state["subscriptions"][tenant]
        if rest == "/subscriptions" and method == "GET":
            items = [subscription_view(s) for s in subscriptions.values()]
            return 200, {"totalCount": len(items), "items": items, "links": {}, "attributes": {"objectType": "Collection"}}, {}
        if rest == "/orders" and method == "POST":
            lines = []
            for line in body.get("lineItems", []):
                part = BY_OFFER.get(":".join(line.get("offerId", "").split(":")[:2]))
                if part is None:
                    raise partner_error(400, "800002", f"The offer {line.get('offerId')} is not available.")
                made = self.new_subscription(tenant, part, line.get("termDuration", "P1M"), line.get("billingCycle", "monthly"),
                                             int(line.get("quantity", 1)), iso(now()))
                lines.append(dict(line, subscriptionId=made["id"]))
            return 201, {"id": str(uuid.uuid4()), "referenceCustomerId": tenant, "lineItems": lines, "status": "completed",
                         "creationDate": iso(now()), "attributes": {"objectType": "Order"}}, {}
        found = re.fullmatch(r"/subscriptions/([^/]+)", rest)
        if not found or found.group(1) not in subscriptions:
            raise partner_error(404, "20003", f"Subscription {found.group(1) if found else rest} was not found.")
        subscription = subscriptions[found.group(1)]
        if method == "GET":
            return 200, subscription_view(subscription), {}
        if method == "PATCH":
            return 200, self.patch_subscription(tenant, subscription, body), {}
        raise partner_error(405, "405", "Method not allowed.")

    def patch_subscription(self, tenant, subscription, body):
        """The full subscription body, as Partner Center requires; what differs is the change."""
        if body.get("id") != subscription["id"] or "offerId" not in body:
            raise partner_error(400, "2001", "The request body must be the whole subscription resource.")
        if body.get("status") == "deleted" and subscription["status"] == "active":
            if refundable(subscription)["totalQuantity"] < subscription["quantity"]:
                raise partner_error(400, "800090", "The subscription cannot be cancelled: it is past the 7-day cancellation window.")
            subscription["status"] = "deleted"
            return subscription_view(subscription)
        quantity = int(body.get("quantity", subscription["quantity"]))
        if quantity < subscription["quantity"]:
            decrease = subscription["quantity"] - quantity
            if decrease > refundable(subscription)["totalQuantity"]:
                raise partner_error(400, "800090",
                                    f"Quantity decrease is not allowed: only {refundable(subscription)['totalQuantity']} licences are inside the 7-day cancellation window; "
                                    "schedule the decrease for the renewal instead.")
            part = BY_OFFER.get(":".join(subscription["offerId"].split(":")[:2]))
            assigned = sum(1 for u in state["users"][tenant].values() for l in u["assignedLicenses"] if BY_SKU_ID.get(l["skuId"]) == part)
            if quantity < assigned:
                raise partner_error(400, "800089", f"The quantity cannot go below the {assigned} licences assigned.")
            for batch in reversed(subscription["batches"]):
                if decrease == 0:
                    break
                until = datetime.datetime.fromisoformat(batch["at"].replace("Z", "+00:00")) + datetime.timedelta(days=REFUND_DAYS)
                if until > now():
                    taken = min(batch["quantity"], decrease)
                    batch["quantity"] -= taken
                    decrease -= taken
            subscription["scheduledNextTermInstructions"] = None  # a mid-term change drops what was scheduled
        elif quantity > subscription["quantity"]:
            subscription["batches"].append({"quantity": quantity - subscription["quantity"], "at": iso(now())})
            subscription["scheduledNextTermInstructions"] = None
        subscription["quantity"] = quantity
        if "autoRenewEnabled" in body:
            subscription["autoRenewEnabled"] = bool(body["autoRenewEnabled"])
        if body.get("scheduledNextTermInstructions") is not None:
            scheduled = body["scheduledNextTermInstructions"]
            if not subscription["autoRenewEnabled"]:
                raise partner_error(400, "800091", "Changes can be scheduled only on a subscription that renews automatically.")
            if int(scheduled.get("quantity", 0)) < 1:
                raise partner_error(400, "2001", "scheduledNextTermInstructions.quantity must be at least 1.")
            subscription["scheduledNextTermInstructions"] = scheduled
        return subscription_view(subscription)

    # -- Graph ---------------------------------------------------------------------------------

    def user(self, tenant, key):
        for user in state["users"][tenant].values():
            if user["id"] == key or user["userPrincipalName"].lower() == key.lower():
                return user
        raise graph_error(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.")

    def graph(self, method, path, query, body, tenant, record):
        record["api"] = "graph"
        users = state["users"][tenant]
        if path == "/subscribedSkus" and method == "GET":
            return 200, {"@odata.context": f"{GRAPH}/v1.0/$metadata#subscribedSkus", "value": sku_units(tenant)}, {}
        if path == "/users" and method == "GET":
            everyone = sorted(users.values(), key=lambda u: u["userPrincipalName"])
            size = min(int(query.get("$top", [str(PAGE_SIZE)])[0]), PAGE_SIZE, 999)
            start = int(query.get("$skiptoken", ["0"])[0])
            answer = {"@odata.context": f"{GRAPH}/v1.0/$metadata#users", "value": everyone[start:start + size]}
            if start + size < len(everyone):
                host = self.headers.get("Host", "127.0.0.1")
                answer["@odata.nextLink"] = f"http://{host}/v1.0/users?$top={size}&$skiptoken={start + size}"
            return 200, answer, {}
        if path == "/users" and method == "POST":
            return 201, make_user(tenant, body), {}
        if path == "/$batch" and method == "POST":
            requests = body.get("requests", [])
            if not 1 <= len(requests) <= 20:
                raise graph_error(400, "BadRequest", "A batch holds between 1 and 20 requests.")
            responses = []
            for request in requests:
                parts = urlsplit(request.get("url", ""))
                try:
                    status, answer, headers = self.graph(request.get("method", "GET"), unquote(parts.path), parse_qs(parts.query),
                                                         request.get("body") or {}, tenant, {})
                except Failure as failure:
                    status, answer, headers = failure.status, failure.body, failure.headers
                responses.append({"id": request.get("id"), "status": status, "headers": headers, "body": answer})
            return 200, {"responses": responses}, {}
        match = re.fullmatch(r"/users/([^/]+)(/assignLicense)?", path)
        if not match:
            raise graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        user = self.user(tenant, match.group(1))
        if match.group(2) and method == "POST":
            if state["taken"] > 0:
                state["taken"] -= 1
                record["taken"] = True
                raise graph_error(400, "Request_BadRequest", "Subscription with SKU %s does not have any available licenses." % body.get("addLicenses", [{}])[0].get("skuId"))
            if not user.get("usageLocation"):
                raise graph_error(400, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")
            units = {sku["skuId"]: sku for sku in sku_units(tenant)}
            for licence in body.get("addLicenses", []):
                sku = units.get(licence["skuId"])
                if any(l["skuId"] == licence["skuId"] for l in user["assignedLicenses"]):
                    continue
                if sku is None or sku["consumedUnits"] >= sku["prepaidUnits"]["enabled"]:
                    raise graph_error(400, "Request_BadRequest", f"Subscription with SKU {licence['skuId']} does not have any available licenses.")
                user["assignedLicenses"].append({"skuId": licence["skuId"], "disabledPlans": licence.get("disabledPlans", [])})
            removed = set(body.get("removeLicenses", []))
            user["assignedLicenses"] = [l for l in user["assignedLicenses"] if l["skuId"] not in removed]
            return 200, user, {}
        if method == "GET":
            return 200, user, {}
        if method == "PATCH":
            for key in ("displayName", "givenName", "surname", "usageLocation", "accountEnabled", "userPrincipalName"):
                if key in body:
                    user[key] = body[key]
            if body.get("passwordProfile", {}).get("password"):
                state["passwords"][user["id"]] = hashlib.sha256(body["passwordProfile"]["password"].encode()).hexdigest()
            return 204, None, {}
        if method == "DELETE":
            del users[user["id"]]
            return 204, None, {}
        raise graph_error(405, "Request_BadRequest", "Method not allowed.")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("STANDIN_PORT", "0"))), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
