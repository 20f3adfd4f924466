"""The gateway's HTTP routes, one module per area; ``gateway.service`` composes them."""
