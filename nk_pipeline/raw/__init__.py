"""Stage raw: the contract of the raw folder (files, columns, vocabularies, Pandera models), reading a CSV, country names."""
