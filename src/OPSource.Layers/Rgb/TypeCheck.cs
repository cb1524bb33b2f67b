namespace OPSource.Layers.Rgb;

/// <summary>
/// Trusted type systems (the schema kits' <c>types</c>), merged by sem id: what rgb-tests passes as
/// <c>ValidationConfig::trusted_typesystem</c>.
/// </summary>
public sealed class TypeSystemRegistry
{
    private readonly Dictionary<Bytes32, StrictTy> _types = [];

    public int Count => _types.Count;

    public static TypeSystemRegistry FromKits(IEnumerable<Kit> kits)
    {
        ArgumentNullException.ThrowIfNull(kits);
        var r = new TypeSystemRegistry();
        foreach (var k in kits)
        {
            foreach (var t in k.Types)
            {
                r._types[t.SemId] = t.Ty;
            }
        }

        return r;
    }

    public bool TryGet(Bytes32 semId, out StrictTy? ty) => _types.TryGetValue(semId, out ty);
}

/// <summary>
/// strict-types <c>TypeSystem::strict_deserialize_type</c> reduced to a check: does <c>data</c> decode,
/// completely, as the type with the given sem id?
/// </summary>
public static class StrictTypeCheck
{
    public static bool Conforms(IReadOnlyList<TypeEntry> types, Bytes32 semId, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        var map = new Dictionary<Bytes32, StrictTy>(types.Count);
        foreach (var t in types)
        {
            map[t.SemId] = t.Ty;
        }

        var r = new StrictReader(data);
        try
        {
            Read(map, semId, r, 0);
            return r.Remaining == 0;
        }
        catch (RgbDecodeException)
        {
            return false;
        }
    }

    private static void Read(Dictionary<Bytes32, StrictTy> map, Bytes32 id, StrictReader r, int depth)
    {
        if (depth > 64 || !map.TryGetValue(id, out var ty))
        {
            throw new RgbDecodeException("unknown or too deeply nested type");
        }

        switch (ty)
        {
            case TyPrimitive p:
                ReadPrimitive(p.Code, r);
                break;
            case TyUnicode:
                {
                    // strict-encoding encodes a char as its u32 scalar value.
                    uint c = r.U32("char");
                    if (c > 0x10FFFF || c is >= 0xD800 and <= 0xDFFF)
                    {
                        throw new RgbDecodeException("invalid unicode scalar");
                    }

                    break;
                }

            case TyEnum e:
                {
                    byte tag = r.U8("enum tag");
                    if (!e.Variants.Any(v => v.Tag == tag))
                    {
                        throw new RgbDecodeException("unknown enum tag");
                    }

                    break;
                }

            case TyUnion u:
                {
                    byte tag = r.U8("union tag");
                    var v = u.Variants.FirstOrDefault(x => x.Tag == tag);
                    if (v.Name is null)
                    {
                        throw new RgbDecodeException("unknown union tag");
                    }

                    Read(map, v.Ty, r, depth + 1);
                    break;
                }

            case TyTuple t:
                foreach (var f in t.Fields)
                {
                    Read(map, f, r, depth + 1);
                }

                break;
            case TyStruct s:
                foreach (var (_, f) in s.Fields)
                {
                    Read(map, f, r, depth + 1);
                }

                break;
            case TyArray a:
                for (int i = 0; i < a.Len; i++)
                {
                    Read(map, a.Ty, r, depth + 1);
                }

                break;
            case TyList l:
                ReadCollection(map, r, l.Ty, null, l.Min, l.Max, depth);
                break;
            case TySet s:
                ReadCollection(map, r, s.Ty, null, s.Min, s.Max, depth);
                break;
            case TyMap m:
                ReadCollection(map, r, m.Key, m.Value, m.Min, m.Max, depth);
                break;
            default:
                throw new RgbDecodeException("unsupported type");
        }
    }

    private static void ReadCollection(Dictionary<Bytes32, StrictTy> map, StrictReader r, Bytes32 item, Bytes32? value, ulong min, ulong max, int depth)
    {
        int n = r.Len(min, max, "collection");
        for (int i = 0; i < n; i++)
        {
            Read(map, item, r, depth + 1);
            if (value is { } v)
            {
                Read(map, v, r, depth + 1);
            }
        }
    }

    private static void ReadPrimitive(byte code, StrictReader r)
    {
        // strict-types Primitive: 0 unit; 0x01..0x20 unsigned, 0x81..0xA0 signed (size in bytes in the low bits);
        // 0x40 byte. Floats and non-zero exotic codes are refused.
        int size = code switch
        {
            0x00 => 0,
            0x40 => 1,
            >= 0x01 and <= 0x20 => code,
            >= 0x81 and <= 0xA0 => code & 0x3F,
            _ => throw new RgbDecodeException($"unsupported primitive 0x{code:x2}"),
        };
        r.Bytes(size, "primitive");
    }
}
