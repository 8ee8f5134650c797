"""From an article to draft claims (``tracker extract``): read the article,
find who forecast what, and write a seed file for a person to review."""
