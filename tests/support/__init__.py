"""What the tests of every tier share: helpers, servers and data generators; no tests here."""
