"""Citizen accounts: sign-in by one-time code or at the super-app's OpenID issuer, sessions,
the account's applications and family, and getting a guest application back."""
