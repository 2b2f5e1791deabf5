"""A small fixed-window rate limit on the shared cache (works across web processes)."""

from django.core.cache import cache


def hit(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the caller is still within ``limit`` per window."""
    cache_key = f"rl:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
