from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MintStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MINT_STATUS_UNSPECIFIED: _ClassVar[MintStatus]
    MINTED: _ClassVar[MintStatus]
    ALREADY_MINTED: _ClassVar[MintStatus]
    REVERTED: _ClassVar[MintStatus]
    NOT_FOUND: _ClassVar[MintStatus]
MINT_STATUS_UNSPECIFIED: MintStatus
MINTED: MintStatus
ALREADY_MINTED: MintStatus
REVERTED: MintStatus
NOT_FOUND: MintStatus

class MintRequest(_message.Message):
    __slots__ = ("ref", "to", "amount")
    REF_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ref: bytes
    to: str
    amount: str
    def __init__(self, ref: _Optional[bytes] = ..., to: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class GetMintRequest(_message.Message):
    __slots__ = ("ref",)
    REF_FIELD_NUMBER: _ClassVar[int]
    ref: bytes
    def __init__(self, ref: _Optional[bytes] = ...) -> None: ...

class MintReply(_message.Message):
    __slots__ = ("status", "tx_hash", "block_number", "to", "amount")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    BLOCK_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    status: MintStatus
    tx_hash: str
    block_number: int
    to: str
    amount: str
    def __init__(self, status: _Optional[_Union[MintStatus, str]] = ..., tx_hash: _Optional[str] = ..., block_number: _Optional[int] = ..., to: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class BalanceOfRequest(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: str
    def __init__(self, address: _Optional[str] = ...) -> None: ...

class BalanceOfReply(_message.Message):
    __slots__ = ("balance", "block_number", "token_address", "chain_id")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    balance: str
    block_number: int
    token_address: str
    chain_id: int
    def __init__(self, balance: _Optional[str] = ..., block_number: _Optional[int] = ..., token_address: _Optional[str] = ..., chain_id: _Optional[int] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HealthReply(_message.Message):
    __slots__ = ("chain_id", "block_number", "token_address", "minter")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCK_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MINTER_FIELD_NUMBER: _ClassVar[int]
    chain_id: int
    block_number: int
    token_address: str
    minter: str
    def __init__(self, chain_id: _Optional[int] = ..., block_number: _Optional[int] = ..., token_address: _Optional[str] = ..., minter: _Optional[str] = ...) -> None: ...

class ListMintsRequest(_message.Message):
    __slots__ = ("from_block",)
    FROM_BLOCK_FIELD_NUMBER: _ClassVar[int]
    from_block: int
    def __init__(self, from_block: _Optional[int] = ...) -> None: ...

class MintEvent(_message.Message):
    __slots__ = ("ref", "to", "amount", "tx_hash", "block_number")
    REF_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    BLOCK_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ref: bytes
    to: str
    amount: str
    tx_hash: str
    block_number: int
    def __init__(self, ref: _Optional[bytes] = ..., to: _Optional[str] = ..., amount: _Optional[str] = ..., tx_hash: _Optional[str] = ..., block_number: _Optional[int] = ...) -> None: ...
