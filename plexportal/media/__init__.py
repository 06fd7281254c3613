"""Media: requests, webhooks and the stack behind them."""
