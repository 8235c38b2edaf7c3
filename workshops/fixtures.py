"""The names of the data sets the platform ships in fixtures/: the reference data, and the
real Pays de la Loire synthesis with its Vendée annex (the demo and test data)."""

REFERENCE_FIXTURE = "reference"
DEMO_FIXTURE = "pays-de-la-loire-2020"
DEMO_SLUGS = ["pays-de-la-loire-2020", "vendee-2020"]
