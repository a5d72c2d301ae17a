from . import rules_table

print(rules_table())
