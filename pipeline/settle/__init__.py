"""Contract specifications and the monthly settlement from fixings in force. Pure."""

from pipeline.settle.contracts import Contract, contract, contracts, contracts_version
from pipeline.settle.settlement import DayFixing, Settlement, day_fixings, settle, settlement_document, stored_document

__all__ = [
    "Contract",
    "DayFixing",
    "Settlement",
    "contract",
    "contracts",
    "contracts_version",
    "day_fixings",
    "settle",
    "settlement_document",
    "stored_document",
]
