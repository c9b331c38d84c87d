"""Drawing the reports as PDF (reportlab): the shared page set-up, the register, the audit pack, its charts."""
