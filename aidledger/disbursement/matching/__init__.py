"""Cross-checks before payment (数据比对): other departments' lists, and what each cycle's run finds against them."""
