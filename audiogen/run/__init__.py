"""Front ends that run the pipeline over many sources: batch, follow a feed, a Dask cluster."""
