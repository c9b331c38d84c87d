"""A county's month computed: the registry streamed, each household's track carried, the rules applied."""
