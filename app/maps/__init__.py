"""Maps drawn on the server: Bolivia's nine departments as an SVG choropleth with the figures
as text, the observations with coordinates as points, and (only when an operator sets
``MAP_TILES_URL``) the data a slippy map needs. No request leaves for anyone else's server."""
