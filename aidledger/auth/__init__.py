"""Who is acting: passwords and API tokens (argon2id, hashed tokens), the book's authentication setting, scopes,
the web's sessions and sign-in attempts, and the record of every write's user and channel (docs/web.md)."""
