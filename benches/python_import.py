#!/usr/bin/env python3
"""The Python route the import benchmark compares with: pandas read_excel (openpyxl) and
DataFrame.to_sql into a fresh SQLite file. Usage: python_import.py BOOK.xlsx OUT.sqlite3
Prints the rows written and the seconds taken."""
import sqlite3
import sys
import time

import pandas as pd

start = time.perf_counter()
frame = pd.read_excel(sys.argv[1], engine="openpyxl")
with sqlite3.connect(sys.argv[2]) as conn:
    frame.to_sql("agreement", conn, if_exists="replace", index=False)
print(len(frame), time.perf_counter() - start)
