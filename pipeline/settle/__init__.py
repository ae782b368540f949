"""Contract specifications and the monthly settlement from fixings in force. Pure."""

from pipeline.settle.contracts import Contract, contract, contracts, contracts_version
from pipeline.settle.settlement import DayFixing, Settlement, settle, settle_month, settlement_document

__all__ = [
    "Contract",
    "DayFixing",
    "Settlement",
    "contract",
    "contracts",
    "contracts_version",
    "settle",
    "settle_month",
    "settlement_document",
]
