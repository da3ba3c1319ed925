// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ClickNBack Cashback (CNBC): cashback paid as an ERC-20 token, one unit per cent.
/// @notice Only the minter mints, each mint under a unique `ref` (the payout id): a second mint
/// with a used ref reverts, so a payout can never be minted twice, whatever crashes off-chain.
contract CashbackToken {
    string public constant name = "ClickNBack Cashback";
    string public constant symbol = "CNBC";
    uint8 public constant decimals = 2;

    struct Mint {
        address to;
        uint256 amount;
        uint256 blockNumber;
    }

    uint256 public totalSupply;
    address public admin;
    address public minter;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(bytes32 => Mint) private _mints;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Minted(address indexed to, uint256 amount, bytes32 indexed ref);
    event MinterChanged(address indexed minter);
    event AdminChanged(address indexed admin);

    error NotAdmin();
    error NotMinter();
    error RefUsed(bytes32 ref);
    error ZeroAddress();
    error ZeroAmount();
    error InsufficientBalance();
    error InsufficientAllowance();

    constructor() {
        admin = msg.sender;
        minter = msg.sender;
        emit AdminChanged(msg.sender);
        emit MinterChanged(msg.sender);
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin();
        _;
    }

    function setMinter(address newMinter) external onlyAdmin {
        if (newMinter == address(0)) revert ZeroAddress();
        minter = newMinter;
        emit MinterChanged(newMinter);
    }

    function setAdmin(address newAdmin) external onlyAdmin {
        if (newAdmin == address(0)) revert ZeroAddress();
        admin = newAdmin;
        emit AdminChanged(newAdmin);
    }

    /// @notice Mint `amount` units to `to` once for `ref`; reverts on a used ref.
    function mint(address to, uint256 amount, bytes32 ref) external {
        if (msg.sender != minter) revert NotMinter();
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        if (_mints[ref].blockNumber != 0) revert RefUsed(ref);
        _mints[ref] = Mint(to, amount, block.number);
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
        emit Minted(to, amount, ref);
    }

    /// @notice The mint made under `ref`, or zeros when there is none.
    function mintOf(bytes32 ref) external view returns (address to, uint256 amount, uint256 blockNumber) {
        Mint storage found = _mints[ref];
        return (found.to, found.amount, found.blockNumber);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance();
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) private {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance();
        unchecked {
            balanceOf[from] = balance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
