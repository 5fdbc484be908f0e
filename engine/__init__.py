"""Pure computation: signal files, checks, summaries, data tools.

Never does network, never spawns compilers, never knows about LSP (DESIGN §3).
"""
