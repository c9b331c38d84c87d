"""The sign-off chain (审核、审批): each approver's decision on a cycle or a temporary grant, one record each."""
