"""The route kit every blueprint uses: guards, loaders, bounded args, rendering."""
