"""Holiday-aware daily forecasting of AI spend and tokens, budgets and quota exhaustion."""
