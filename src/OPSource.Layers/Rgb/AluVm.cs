namespace OPSource.Layers.Rgb;

/// <summary>The state an RGB validation script sees (rgb-consensus vm <c>OpInfo</c>).</summary>
/// <param name="PrevFungible">Fungible input amounts by assignment type, in input order.</param>
/// <param name="PrevHasNonFungible">Assignment types whose inputs carry non-fungible state.</param>
/// <param name="Assignments">The operation's new assignments.</param>
/// <param name="Globals">The operation's global state.</param>
/// <param name="Metadata">The operation's metadata.</param>
public sealed record VmOpInfo(
    IReadOnlyDictionary<ushort, List<ulong>> PrevFungible,
    IReadOnlySet<ushort> PrevHasNonFungible,
    IReadOnlyList<AssignmentEntry> Assignments,
    IReadOnlyList<GlobalEntry> Globals,
    IReadOnlyList<MetaEntry> Metadata);

/// <summary>Outcome of running a validation script.</summary>
/// <param name="Ok">True when the script completed with st0 set.</param>
/// <param name="ErrorCode">Register a8[0] when the script failed (rgb-consensus reports it in ScriptFailure).</param>
/// <param name="Unsupported">Set when the script reached an opcode this interpreter does not implement.</param>
public readonly record struct VmResult(bool Ok, byte? ErrorCode, string? Unsupported);

/// <summary>
/// A deliberately small AluVM interpreter (rgb-aluvm 0.11 bytecode, RGB ISA extension of rgb-consensus
/// <c>vm/op_contract.rs</c>) covering the instructions the NIA, CFA and IFA schemas use: control flow
/// (fail, test, jmp, jif, ret), putA, eqA/gtA/ltA, unsigned checked addA/subA, extr, and the RGB ops cnp,
/// cns, cng, ldf, ldg, ldm, svs, sas, sps. Any other instruction stops execution as unsupported: the
/// validator then refuses the consignment instead of guessing.
/// </summary>
public sealed class AluVm
{
    private const int MaxSteps = 100_000;

    private readonly IReadOnlyDictionary<Bytes32, AluLib> _libs;
    private readonly ulong?[][] _a = [new ulong?[32], new ulong?[32], new ulong?[32], new ulong?[32]];
    private readonly byte[]?[] _s = new byte[]?[16];
    private bool _st0 = true;

    public AluVm(IReadOnlyDictionary<Bytes32, AluLib> libs) => _libs = libs;

    private static readonly int[] Bytes = [1, 2, 4, 8];

    /// <summary>Sets a16[0] (the transition type, as rgb-consensus does before running a transition validator).</summary>
    public void SetA16(int idx, ushort v) => _a[1][idx] = v;

    /// <summary>Runs the script at <paramref name="site"/> against <paramref name="op"/>.</summary>
    public VmResult Run(LibSite site, VmOpInfo op)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(op);
        if (!_libs.TryGetValue(site.Lib, out var lib))
        {
            return new VmResult(false, null, null);
        }

        int pc = site.Pos;
        var code = lib.Code;
        for (int step = 0; step < MaxSteps; step++)
        {
            var bits = new BitReader(code, pc);
            if (!bits.TryU8(out byte instr))
            {
                // Running past the end of the code segment halts (aluvm: CodeEofError stops the VM).
                return Finish();
            }

            string? unsupported = null;
            bool stop = false, fail = false;
            int? jump = null;
            switch (instr)
            {
                case 0x00: // fail
                    fail = true;
                    break;
                case 0x01: // test
                    fail = !_st0;
                    break;
                case 0x02: // jmp
                    jump = bits.U16();
                    break;
                case 0x03: // jif
                    {
                        ushort target = bits.U16();
                        if (_st0)
                        {
                            jump = target;
                        }

                        break;
                    }

                case 0x07: // ret (no call stack in these scripts: stop)
                    stop = true;
                    break;
                case 0x0B: // putA reg(u3) idx(u5) data-offset(u16)
                    {
                        int reg = bits.Bits(3), idx = bits.Bits(5);
                        if (reg > 3)
                        {
                            unsupported = "putA of a register wider than 64 bits";
                            break;
                        }

                        int off = bits.U16();
                        int len = Bytes[reg];
                        _a[reg][idx] = off + len <= lib.Data.Length ? LittleEndian(lib.Data.AsSpan(off, len)) : null;
                        break;
                    }

                case 0x11: // cpy sreg(u3) sidx(u5) dreg(u3) didx(u5): copy with reshape; st0 = value fits
                    {
                        int sreg = bits.Bits(3), sidx = bits.Bits(5), dreg = bits.Bits(3), didx = bits.Bits(5);
                        if (sreg > 3 || dreg > 3)
                        {
                            unsupported = "cpy of a register wider than 64 bits";
                            break;
                        }

                        ulong? v = _a[sreg][sidx];
                        ulong mask = dreg == 3 ? ulong.MaxValue : (1UL << (8 * Bytes[dreg])) - 1;
                        _st0 = v is not { } x || x <= mask;
                        _a[dreg][didx] = v & mask;
                        break;
                    }

                case 0x18: // lgt: gtA/ltA
                case 0x19: // cmp: eqA
                    {
                        int codeBits = bits.Bits(2), flag = bits.Bits(1), i1 = bits.Bits(5), i2 = bits.Bits(5), reg = bits.Bits(3);
                        if (reg > 3 || (instr == 0x19 && codeBits != 1) || (instr == 0x18 && codeBits > 1) || (instr == 0x18 && flag == 1))
                        {
                            unsupported = $"comparison 0x{instr:x2} variant {codeBits}";
                            break;
                        }

                        ulong? x = _a[reg][i1], y = _a[reg][i2];
                        _st0 = instr == 0x19
                            ? (x is { } vx && y is { } vy ? vx == vy : flag == 1)
                            : (x is { } ax && y is { } ay && (codeBits == 0 ? ax > ay : ax < ay));
                        break;
                    }

                case 0x20: // add
                case 0x21: // sub
                    {
                        int isFloat = bits.Bits(1), flags = bits.Bits(2), s1 = bits.Bits(5), s2 = bits.Bits(5), reg = bits.Bits(3);
                        // aluvm IntFlags::from_u2 reads both "signed" and "wrap" from bit 0: 0 and 2 are unsigned checked.
                        if (isFloat == 1 || (flags & 1) != 0 || reg > 3)
                        {
                            unsupported = $"arithmetic 0x{instr:x2} with flags {flags}";
                            break;
                        }

                        // Unsigned checked arithmetic: the result replaces src2; overflow clears it and st0.
                        ulong? x = _a[reg][s1], y = _a[reg][s2];
                        ulong mask = reg == 3 ? ulong.MaxValue : (1UL << (8 * Bytes[reg])) - 1;
                        ulong? r = null;
                        if (x is { } vx && y is { } vy)
                        {
                            if (instr == 0x20)
                            {
                                ulong sum = unchecked(vx + vy);
                                r = sum < vx || sum > mask ? null : sum;
                            }
                            else
                            {
                                r = vx >= vy ? vx - vy : null;
                            }
                        }

                        _a[reg][s2] = r;
                        _st0 = r is not null;
                        break;
                    }

                case 0x24: // stp reg(u3) idx(u5) step(i8): unsigned checked add/sub of the step; st0 = result defined
                    {
                        int reg = bits.Bits(3), idx = bits.Bits(5);
                        sbyte stepBy = unchecked((sbyte)bits.Bits(8));
                        if (reg > 3)
                        {
                            unsupported = "stp on a register wider than 64 bits";
                            break;
                        }

                        ulong mask = reg == 3 ? ulong.MaxValue : (1UL << (8 * Bytes[reg])) - 1;
                        ulong? r = null;
                        if (_a[reg][idx] is { } v)
                        {
                            if (stepBy < 0)
                            {
                                ulong d = (ulong)(-stepBy);
                                r = v >= d ? v - d : null;
                            }
                            else
                            {
                                ulong sum = unchecked(v + (ulong)stepBy);
                                r = sum < v || sum > mask ? null : sum;
                            }
                        }

                        _a[reg][idx] = r;
                        _st0 = r is not null;
                        break;
                    }

                case 0x1A: // ifz a-reg: st0 = value is zero (false when unset)
                case 0x1C: // ifn a-reg: st0 = value is unset
                    {
                        int reg = bits.Bits(3), idx = bits.Bits(5);
                        if (reg > 3)
                        {
                            unsupported = "ifz/ifn on a register wider than 64 bits";
                            break;
                        }

                        _st0 = instr == 0x1A ? _a[reg][idx] == 0 : _a[reg][idx] is null;
                        break;
                    }

                case 0x1E: // st merge(u2) reg(u3) idx(u3): merge st0 into an a-register
                    {
                        int merge = bits.Bits(2), reg = bits.Bits(3), idx = bits.Bits(3);
                        if (reg > 3)
                        {
                            unsupported = "st into a register wider than 64 bits";
                            break;
                        }

                        ulong st = _st0 ? 1UL : 0UL;
                        ulong mask = reg == 3 ? ulong.MaxValue : (1UL << (8 * Bytes[reg])) - 1;
                        ulong? cur = _a[reg][idx];
                        if (cur is not { } v || merge == 0)
                        {
                            _a[reg][idx] = st;
                        }
                        else if (merge == 1)
                        {
                            // MergeFlag::Add: unsigned checked add; on overflow the value is kept.
                            _a[reg][idx] = v + st > mask || v + st < v ? v : v + st;
                        }
                        else
                        {
                            _a[reg][idx] = merge == 2 ? v & st : v | st;
                        }
                        break;
                    }

                case 0x1F: // stinv
                    _st0 = !_st0;
                    break;

                case 0x39: // extr src(u4) dst(u4) index(u4) offset(u4)
                    {
                        int src = bits.Bits(4), dst = bits.Bits(4), index = bits.Bits(4), offReg = bits.Bits(4);
                        if (dst > 3)
                        {
                            unsupported = "extr into a register wider than 64 bits";
                            break;
                        }

                        var s = _s[src];
                        ulong? off = _a[1][offReg];
                        if (s is null || off is not { } o || o >= (ulong)s.Length)
                        {
                            _st0 = false;
                            _a[dst][index] = null;
                            break;
                        }

                        int end = (int)o + Bytes[dst];
                        if (end > s.Length)
                        {
                            _st0 = false;
                            end = s.Length;
                        }

                        _a[dst][index] = LittleEndian(s.AsSpan((int)o, end - (int)o));
                        break;
                    }

                case 0xC0: // cnp type, a16[reg]
                    {
                        ushort t = bits.U16();
                        int reg = bits.Bits(5);
                        bits.Bits(3);
                        _a[1][reg] = (ulong)(op.PrevFungible.TryGetValue(t, out var l) ? l.Count : 0);
                        break;
                    }

                case 0xC1: // cns type, a16[reg]
                    {
                        ushort t = bits.U16();
                        int reg = bits.Bits(5);
                        bits.Bits(3);
                        _a[1][reg] = (ulong)(op.Assignments.FirstOrDefault(a => a.Type == t)?.Assigns.Items.Count ?? 0);
                        break;
                    }

                case 0xC2: // cng type, a8[reg]
                    {
                        ushort t = bits.U16();
                        int reg = bits.Bits(5);
                        bits.Bits(3);
                        _a[0][reg] = (ulong)(op.Globals.FirstOrDefault(g => g.Type == t)?.Values.Count ?? 0) & 0xFF;
                        break;
                    }

                case 0xC6: // ldf type, a16[idx] -> a64[dst]
                    {
                        ushort t = bits.U16();
                        int ai = bits.Bits(4), dst = bits.Bits(4);
                        var items = op.Assignments.FirstOrDefault(a => a.Type == t);
                        if (_a[1][ai] is not { } i || items is null || items.Assigns.Kind != StateType.Fungible || i >= (ulong)items.Assigns.Items.Count)
                        {
                            fail = true;
                            break;
                        }

                        _a[3][dst] = items.Assigns.Items[(int)i].Amount;
                        break;
                    }

                case 0xC8: // ldg type, a8[idx] -> s16[dst]
                    {
                        ushort t = bits.U16();
                        int ai = bits.Bits(4), dst = bits.Bits(4);
                        var g = op.Globals.FirstOrDefault(x => x.Type == t);
                        if (_a[0][ai] is not { } i || g is null || i >= (ulong)g.Values.Count)
                        {
                            fail = true;
                            break;
                        }

                        _s[dst] = g.Values[(int)i];
                        break;
                    }

                case 0xCA: // ldm type -> s16[dst]
                    {
                        ushort t = bits.U16();
                        int dst = bits.Bits(4);
                        bits.Bits(4);
                        var m = op.Metadata.FirstOrDefault(x => x.Type == t);
                        if (m is null)
                        {
                            fail = true;
                            break;
                        }

                        _s[dst] = m.Value;
                        break;
                    }

                case 0xD0: // svs: sum of inputs == sum of outputs, no zero outputs
                    {
                        ushort t = bits.U16();
                        fail = !(SumInputs(op, t) is { } inSum && SumOutputs(op, t, out bool bad) is { } outSum && !bad && inSum == outSum);
                        break;
                    }

                case 0xD1: // sas: a64[0] == sum of outputs
                    {
                        ushort t = bits.U16();
                        fail = !(_a[3][0] is { } sum && SumOutputs(op, t, out bool bad) is { } outSum && !bad && sum == outSum);
                        break;
                    }

                case 0xD2: // sps: a64[0] == sum of inputs
                    {
                        ushort t = bits.U16();
                        fail = !(_a[3][0] is { } sum && SumInputs(op, t) is { } inSum && sum == inSum);
                        break;
                    }

                case 0xFF: // nop (aluvm INSTR_NOP)
                    break;

                default:
                    if (IsFailingOpcode(instr))
                    {
                        // Reserved and unassigned opcodes decode to an instruction that executes as `fail`
                        // (rgb-aluvm isa/bytecode.rs ReservedOp, rgb-consensus vm/isa.rs RgbIsa::Fail and
                        // vm/op_contract.rs ContractOp::Fail): the script fails with the error code in a8[0].
                        fail = true;
                        break;
                    }

                    unsupported = $"opcode 0x{instr:x2}";
                    break;
            }

            if (bits.Overrun && unsupported is null)
            {
                return Finish();
            }

            if (unsupported is not null)
            {
                return new VmResult(false, ErrNo(), $"unsupported AluVM instruction {unsupported} at {RgbIds.LibIdString(site.Lib)}:{pc}");
            }

            if (fail)
            {
                _st0 = false;
                return new VmResult(false, ErrNo(), null);
            }

            if (stop)
            {
                return Finish();
            }

            pc = jump ?? bits.BytePosition;
        }

        return new VmResult(false, ErrNo(), null);
    }

    /// <summary>
    /// Opcodes rgb-consensus decodes as an always-failing instruction: the reserved range 0x40–0x7F
    /// (rgb-aluvm <c>INSTR_RESV_FROM..INSTR_RESV_TO</c>), the extension range 0x80–0xFE outside the digest
    /// ops 0x80–0x82 and the RGB contract ops (rgb-consensus vm/opcodes.rs <c>INSTR_CNP..INSTR_VTS</c>:
    /// 0xC0–0xC6, 0xC8–0xCA, 0xD0–0xD3), and the secp256k1/curve25519 ranges 0x88–0x8F, which rgb-consensus
    /// builds rgb-aluvm without. Known instructions this interpreter does not implement are not in this set:
    /// they stop validation as unsupported.
    /// </summary>
    internal static bool IsFailingOpcode(byte instr) => instr switch
    {
        >= 0x40 and <= 0x7F => true,
        >= 0x80 and <= 0x82 => false,
        >= 0xC0 and <= 0xC6 => false,
        >= 0xC8 and <= 0xCA => false,
        >= 0xD0 and <= 0xD3 => false,
        >= 0x83 and <= 0xFE => true,
        _ => false,
    };

    private VmResult Finish() => _st0 ? new VmResult(true, null, null) : new VmResult(false, ErrNo(), null);

    private byte? ErrNo() => _a[0][0] is { } v ? (byte)v : null;

    private static ulong? SumInputs(VmOpInfo op, ushort t)
    {
        if (op.PrevHasNonFungible.Contains(t))
        {
            return null;
        }

        ulong sum = 0;
        if (op.PrevFungible.TryGetValue(t, out var list))
        {
            foreach (var v in list)
            {
                ulong s = unchecked(sum + v);
                if (s < sum)
                {
                    return null;
                }

                sum = s;
            }
        }

        return sum;
    }

    private static ulong? SumOutputs(VmOpInfo op, ushort t, out bool bad)
    {
        bad = false;
        var entry = op.Assignments.FirstOrDefault(a => a.Type == t);
        if (entry is null)
        {
            return 0;
        }

        if (entry.Assigns.Kind != StateType.Fungible)
        {
            bad = true;
            return null;
        }

        ulong sum = 0;
        foreach (var item in entry.Assigns.Items)
        {
            if (item.Amount == 0)
            {
                bad = true;
            }

            ulong s = unchecked(sum + item.Amount);
            if (s < sum)
            {
                return null;
            }

            sum = s;
        }

        return sum;
    }

    private static ulong LittleEndian(ReadOnlySpan<byte> b)
    {
        ulong v = 0;
        for (int i = b.Length - 1; i >= 0; i--)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    /// <summary>LSB-first bit reader over the code segment (aluvm library/cursor.rs).</summary>
    private ref struct BitReader(byte[] code, int bytePos)
    {
        private readonly byte[] _code = code;
        private int _bit = bytePos * 8;

        public bool Overrun { get; private set; }

        public readonly int BytePosition => (_bit + 7) / 8;

        public int Bits(int n)
        {
            int v = 0;
            for (int i = 0; i < n; i++)
            {
                int byteIdx = _bit >> 3;
                if (byteIdx >= _code.Length)
                {
                    Overrun = true;
                    return 0;
                }

                v |= ((_code[byteIdx] >> (_bit & 7)) & 1) << i;
                _bit++;
            }

            return v;
        }

        public bool TryU8(out byte v)
        {
            if ((_bit >> 3) >= _code.Length)
            {
                v = 0;
                return false;
            }

            v = (byte)Bits(8);
            return true;
        }

        public ushort U16() => (ushort)Bits(16);
    }
}
