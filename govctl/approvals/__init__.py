"""Signed approvals of saved plans: who approved exactly which plan."""
