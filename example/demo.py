"""Values the local demo deploy (`-c local=true`) and its checks (`make deploy-local`) share."""

LOCAL_PARTNER_TOKEN = "local-demo-token"  # the one partner token of the local run; a real deploy takes digests only
LOCAL_WEB_ORIGIN = "http://localhost:3000"  # the web app's origin in the local run (CORS)
