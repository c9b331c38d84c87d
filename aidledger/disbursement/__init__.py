"""Disbursement: registry, benefit rules, monthly payment cycles, bank files and returns."""
