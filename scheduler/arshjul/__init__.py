"""The årshjul (annual wheel): a plan's dated meetings and tasks around the year, as SVG and PNG (pure)."""
