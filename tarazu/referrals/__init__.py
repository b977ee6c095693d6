"""Referrals: requests from governments, trusted flaggers and the public to act on accounts,
parsed from the documented file formats and checked item by item for legal basis, designation,
specific evidence and protected targets."""
