"""Lambda authorizer (HTTP API, payload 2.0, simple responses) for the partner routes.

A partner sends `Authorization: Bearer <token>`. Only SHA-256 digests of the tokens are configured
(PARTNER_TOKENS = "name:hexdigest,..."), so the function's configuration never holds a usable secret. The answer
names the partner, and the route's handler finds it in requestContext.authorizer.lambda.partner.
"""

import hashlib
import hmac
import json
import os


def partners():
    """{digest: partner name} from PARTNER_TOKENS; empty (every request denied) when unset."""
    pairs = (item.split(":", 1) for item in os.environ.get("PARTNER_TOKENS", "").split(",") if ":" in item)
    return {digest.strip().lower(): name.strip() for name, digest in pairs}


def lambda_handler(event, context):
    header = (event.get("headers") or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    digest = hashlib.sha256(token.encode()).hexdigest() if scheme.lower() == "bearer" and token else ""
    partner = next((name for known, name in partners().items() if hmac.compare_digest(known, digest)), None)
    print(json.dumps({"message": "partner authorization", "authorized": partner is not None, "partner": partner,
                      "route": event.get("routeKey")}))
    return {"isAuthorized": partner is not None, "context": {"partner": partner or ""}}
