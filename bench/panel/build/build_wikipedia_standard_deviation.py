"""wikipedia_standard_deviation: daily page views of the English Wikipedia article "Standard_deviation" (all-access, all-agents).

Source: github winedarksea/AutoTS, path autots/datasets/data/holidays.zip (member holidays.csv, column
wiki_Standard_deviation), commit 6e2137a990910c7faa4239d3330fab839adaa480 (file last changed in 1d456fb2e2bcb332197344181d7caeae37269a84).
Rules: the values are already daily and are copied unchanged; empty cells would be left out (there are none);
a repeated date is an error.
Usage: python build_wikipedia_standard_deviation.py holidays.zip
"""
import sys

from _common_a import wiki_column, write_series

if __name__ == "__main__":
    write_series("wikipedia_standard_deviation", wiki_column(sys.argv[1], "wiki_Standard_deviation"))
