"""The registry's metrics on Apache Spark, over a `tikscope export parquet` folder."""
