"""The handler template tests build functions from: it reads no environment variable and imports nothing, so a
test sets only what it is about (the example's handlers read variables their stacks set: FN_ENV_UNSET)."""


def lambda_handler(event, context):
    return {"ok": True}
