"""The kecamatan desk (the Cekatan programme): print jobs, blanko stock, the Suket."""
