"""The monthly forecast report, in Markdown (terminal charts) or self-contained HTML (SVG charts)."""
