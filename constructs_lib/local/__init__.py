"""`constructs-lib local ...`: the user's own app on a local AWS (MiniStack), without Docker or an AWS account.

deploy, invoke (with the event the function's own trigger sends), send (fire the trigger itself), watch (code
updates in place), logs, destroy. See the README, "Local loop for your own app".
"""
