"""Development tools: `make bench` and the generated data it measures with.

Nothing in the running system imports this package (the architecture test checks it), so
benchmark code can change freely and never ships as part of a request path.
"""
