"""The paying banks (代发银行): their layouts from the policy, the payment files in each bank's own layout, its
returns files read back, and amounts in Chinese capitals for the payment order (all pure)."""
