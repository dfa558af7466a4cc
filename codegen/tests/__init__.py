"""Tests of the roam v7 layout generator (codegen/gen.py).

Run from the repository root:

    python3 -m unittest discover -s codegen/tests -t codegen
"""
