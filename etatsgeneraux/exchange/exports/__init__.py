"""Open data and editable exports of the syntheses: CSV data package (`csvpackage`), XLSX
(`xlsx`), JSON (`jsondoc`, `schema`) and DOCX (`word`); `files` writes them and caches them."""
