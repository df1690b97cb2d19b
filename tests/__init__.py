"""The test suite (a package, so every test module has one name: tests.test_<module>)."""
