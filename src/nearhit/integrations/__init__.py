"""Adapters that put nearhit behind other frameworks' cache interfaces (each needs its framework's extra)."""
