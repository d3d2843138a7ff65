"""Reaching the company when chat is not possible: whether a deployment's chat can reach an agent
now, and the "email us" form that leaves a Case instead."""
