//! The publish stage end to end (issue #4): `khabar run` started for real
//! on port 0 with a demo database, driven over HTTP.
