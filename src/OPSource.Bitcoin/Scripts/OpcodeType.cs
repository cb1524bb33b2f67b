namespace OPSource.Bitcoin.Scripts;

/// <summary>Script opcodes with Bitcoin Core's names (script/script.h).</summary>
#pragma warning disable CA1707 // Core's OP_ names are the vocabulary of every script reader.
public enum OpcodeType : byte
{
    /// <summary>0x00.</summary>
    OP_0 = 0x00,

    /// <summary>0x4c.</summary>
    OP_PUSHDATA1 = 0x4c,

    /// <summary>0x4d.</summary>
    OP_PUSHDATA2 = 0x4d,

    /// <summary>0x4e.</summary>
    OP_PUSHDATA4 = 0x4e,

    /// <summary>0x4f.</summary>
    OP_1NEGATE = 0x4f,

    /// <summary>0x50.</summary>
    OP_RESERVED = 0x50,

    /// <summary>0x51.</summary>
    OP_1 = 0x51,

    /// <summary>0x52.</summary>
    OP_2 = 0x52,

    /// <summary>0x53.</summary>
    OP_3 = 0x53,

    /// <summary>0x54.</summary>
    OP_4 = 0x54,

    /// <summary>0x55.</summary>
    OP_5 = 0x55,

    /// <summary>0x56.</summary>
    OP_6 = 0x56,

    /// <summary>0x57.</summary>
    OP_7 = 0x57,

    /// <summary>0x58.</summary>
    OP_8 = 0x58,

    /// <summary>0x59.</summary>
    OP_9 = 0x59,

    /// <summary>0x5a.</summary>
    OP_10 = 0x5a,

    /// <summary>0x5b.</summary>
    OP_11 = 0x5b,

    /// <summary>0x5c.</summary>
    OP_12 = 0x5c,

    /// <summary>0x5d.</summary>
    OP_13 = 0x5d,

    /// <summary>0x5e.</summary>
    OP_14 = 0x5e,

    /// <summary>0x5f.</summary>
    OP_15 = 0x5f,

    /// <summary>0x60.</summary>
    OP_16 = 0x60,

    /// <summary>0x61.</summary>
    OP_NOP = 0x61,

    /// <summary>0x62.</summary>
    OP_VER = 0x62,

    /// <summary>0x63.</summary>
    OP_IF = 0x63,

    /// <summary>0x64.</summary>
    OP_NOTIF = 0x64,

    /// <summary>0x65.</summary>
    OP_VERIF = 0x65,

    /// <summary>0x66.</summary>
    OP_VERNOTIF = 0x66,

    /// <summary>0x67.</summary>
    OP_ELSE = 0x67,

    /// <summary>0x68.</summary>
    OP_ENDIF = 0x68,

    /// <summary>0x69.</summary>
    OP_VERIFY = 0x69,

    /// <summary>0x6a.</summary>
    OP_RETURN = 0x6a,

    /// <summary>0x6b.</summary>
    OP_TOALTSTACK = 0x6b,

    /// <summary>0x6c.</summary>
    OP_FROMALTSTACK = 0x6c,

    /// <summary>0x6d.</summary>
    OP_2DROP = 0x6d,

    /// <summary>0x6e.</summary>
    OP_2DUP = 0x6e,

    /// <summary>0x6f.</summary>
    OP_3DUP = 0x6f,

    /// <summary>0x70.</summary>
    OP_2OVER = 0x70,

    /// <summary>0x71.</summary>
    OP_2ROT = 0x71,

    /// <summary>0x72.</summary>
    OP_2SWAP = 0x72,

    /// <summary>0x73.</summary>
    OP_IFDUP = 0x73,

    /// <summary>0x74.</summary>
    OP_DEPTH = 0x74,

    /// <summary>0x75.</summary>
    OP_DROP = 0x75,

    /// <summary>0x76.</summary>
    OP_DUP = 0x76,

    /// <summary>0x77.</summary>
    OP_NIP = 0x77,

    /// <summary>0x78.</summary>
    OP_OVER = 0x78,

    /// <summary>0x79.</summary>
    OP_PICK = 0x79,

    /// <summary>0x7a.</summary>
    OP_ROLL = 0x7a,

    /// <summary>0x7b.</summary>
    OP_ROT = 0x7b,

    /// <summary>0x7c.</summary>
    OP_SWAP = 0x7c,

    /// <summary>0x7d.</summary>
    OP_TUCK = 0x7d,

    /// <summary>0x7e.</summary>
    OP_CAT = 0x7e,

    /// <summary>0x7f.</summary>
    OP_SUBSTR = 0x7f,

    /// <summary>0x80.</summary>
    OP_LEFT = 0x80,

    /// <summary>0x81.</summary>
    OP_RIGHT = 0x81,

    /// <summary>0x82.</summary>
    OP_SIZE = 0x82,

    /// <summary>0x83.</summary>
    OP_INVERT = 0x83,

    /// <summary>0x84.</summary>
    OP_AND = 0x84,

    /// <summary>0x85.</summary>
    OP_OR = 0x85,

    /// <summary>0x86.</summary>
    OP_XOR = 0x86,

    /// <summary>0x87.</summary>
    OP_EQUAL = 0x87,

    /// <summary>0x88.</summary>
    OP_EQUALVERIFY = 0x88,

    /// <summary>0x89.</summary>
    OP_RESERVED1 = 0x89,

    /// <summary>0x8a.</summary>
    OP_RESERVED2 = 0x8a,

    /// <summary>0x8b.</summary>
    OP_1ADD = 0x8b,

    /// <summary>0x8c.</summary>
    OP_1SUB = 0x8c,

    /// <summary>0x8d.</summary>
    OP_2MUL = 0x8d,

    /// <summary>0x8e.</summary>
    OP_2DIV = 0x8e,

    /// <summary>0x8f.</summary>
    OP_NEGATE = 0x8f,

    /// <summary>0x90.</summary>
    OP_ABS = 0x90,

    /// <summary>0x91.</summary>
    OP_NOT = 0x91,

    /// <summary>0x92.</summary>
    OP_0NOTEQUAL = 0x92,

    /// <summary>0x93.</summary>
    OP_ADD = 0x93,

    /// <summary>0x94.</summary>
    OP_SUB = 0x94,

    /// <summary>0x95.</summary>
    OP_MUL = 0x95,

    /// <summary>0x96.</summary>
    OP_DIV = 0x96,

    /// <summary>0x97.</summary>
    OP_MOD = 0x97,

    /// <summary>0x98.</summary>
    OP_LSHIFT = 0x98,

    /// <summary>0x99.</summary>
    OP_RSHIFT = 0x99,

    /// <summary>0x9a.</summary>
    OP_BOOLAND = 0x9a,

    /// <summary>0x9b.</summary>
    OP_BOOLOR = 0x9b,

    /// <summary>0x9c.</summary>
    OP_NUMEQUAL = 0x9c,

    /// <summary>0x9d.</summary>
    OP_NUMEQUALVERIFY = 0x9d,

    /// <summary>0x9e.</summary>
    OP_NUMNOTEQUAL = 0x9e,

    /// <summary>0x9f.</summary>
    OP_LESSTHAN = 0x9f,

    /// <summary>0xa0.</summary>
    OP_GREATERTHAN = 0xa0,

    /// <summary>0xa1.</summary>
    OP_LESSTHANOREQUAL = 0xa1,

    /// <summary>0xa2.</summary>
    OP_GREATERTHANOREQUAL = 0xa2,

    /// <summary>0xa3.</summary>
    OP_MIN = 0xa3,

    /// <summary>0xa4.</summary>
    OP_MAX = 0xa4,

    /// <summary>0xa5.</summary>
    OP_WITHIN = 0xa5,

    /// <summary>0xa6.</summary>
    OP_RIPEMD160 = 0xa6,

    /// <summary>0xa7.</summary>
    OP_SHA1 = 0xa7,

    /// <summary>0xa8.</summary>
    OP_SHA256 = 0xa8,

    /// <summary>0xa9.</summary>
    OP_HASH160 = 0xa9,

    /// <summary>0xaa.</summary>
    OP_HASH256 = 0xaa,

    /// <summary>0xab.</summary>
    OP_CODESEPARATOR = 0xab,

    /// <summary>0xac.</summary>
    OP_CHECKSIG = 0xac,

    /// <summary>0xad.</summary>
    OP_CHECKSIGVERIFY = 0xad,

    /// <summary>0xae.</summary>
    OP_CHECKMULTISIG = 0xae,

    /// <summary>0xaf.</summary>
    OP_CHECKMULTISIGVERIFY = 0xaf,

    /// <summary>0xb0.</summary>
    OP_NOP1 = 0xb0,

    /// <summary>0xb1.</summary>
    OP_CHECKLOCKTIMEVERIFY = 0xb1,

    /// <summary>0xb2.</summary>
    OP_CHECKSEQUENCEVERIFY = 0xb2,

    /// <summary>0xb3.</summary>
    OP_NOP4 = 0xb3,

    /// <summary>0xb4.</summary>
    OP_NOP5 = 0xb4,

    /// <summary>0xb5.</summary>
    OP_NOP6 = 0xb5,

    /// <summary>0xb6.</summary>
    OP_NOP7 = 0xb6,

    /// <summary>0xb7.</summary>
    OP_NOP8 = 0xb7,

    /// <summary>0xb8.</summary>
    OP_NOP9 = 0xb8,

    /// <summary>0xb9.</summary>
    OP_NOP10 = 0xb9,

    /// <summary>0xba.</summary>
    OP_CHECKSIGADD = 0xba,

    /// <summary>0xff.</summary>
    OP_INVALIDOPCODE = 0xff,

    /// <summary>Alias of OP_0.</summary>
    OP_FALSE = OP_0,

    /// <summary>Alias of OP_1.</summary>
    OP_TRUE = OP_1,

    /// <summary>Alias of OP_CHECKLOCKTIMEVERIFY (BIP65).</summary>
    OP_NOP2 = OP_CHECKLOCKTIMEVERIFY,

    /// <summary>Alias of OP_CHECKSEQUENCEVERIFY (BIP112).</summary>
    OP_NOP3 = OP_CHECKSEQUENCEVERIFY,
}
#pragma warning restore CA1707
