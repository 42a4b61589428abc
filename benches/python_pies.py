"""The route a user might take instead of Pledger: pandas + matplotlib drawing the same
four pies (as donuts with legends) of the sample report into a PDF, from the same figures.

Usage: python3 python_pies.py FIGURES.json OUT.pdf
Prints the seconds spent after the imports (reading, drawing, writing), so the benchmark can
tell the drawing time from the interpreter's start-up and imports.
"""
import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    with open(sys.argv[1], encoding="utf-8") as f:
        figures = json.load(f)
    with PdfPages(sys.argv[2]) as pdf:
        fig, axes = plt.subplots(4, 1, figsize=(8.27, 11.69))
        for ax, chart in zip(axes, figures["charts"]):
            df = pd.DataFrame(chart["slices"])
            df["amount"] = pd.to_numeric(df["amount"])
            wedges, _ = ax.pie(
                df["amount"],
                colors=df["color"],
                startangle=90,
                counterclock=False,
                wedgeprops={"width": 0.45, "edgecolor": "white"},
            )
            ax.set_title(f"{chart['title']}\n{chart['subtitle']}", loc="left", fontsize=10)
            ax.legend(
                wedges,
                [f"{l}  {p}  {a:,.2f}" for l, p, a in zip(df["label"], df["percent"], df["amount"])],
                loc="center left",
                bbox_to_anchor=(1.0, 0.5),
                fontsize=7,
                frameon=False,
            )
        fig.tight_layout()
        pdf.savefig(fig)
        plt.close(fig)
    print(f"{time.perf_counter() - start:.6f}")


if __name__ == "__main__":
    main()
