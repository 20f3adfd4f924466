"""The documents an application issues (issue 16): planned at approval from the catalogue
(``plan``), followed as printing issues, supersedes and revokes them (``lifecycle``), and
corrections and reprints of earlier documents (``reissue``)."""
