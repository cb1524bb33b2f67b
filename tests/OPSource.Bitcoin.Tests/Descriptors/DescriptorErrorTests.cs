using System.Runtime.ExceptionServices;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Descriptors;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Descriptors;

/// <summary>
/// Bad descriptors give a typed <see cref="DescriptorError"/> (kind, position, one-line message) as a
/// value: no exception is thrown, not even one caught inside the parser (first-chance exceptions on
/// the parsing thread are counted).
/// </summary>
public class DescriptorErrorTests
{
    private const string Xpub = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
    private const string Xprv = "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U";
    private const string Pub = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";
    private const string UncompressedWif = "5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss";
    private const string Uncompressed = "04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235";
    private const string MsKey1 = "03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204";
    private const string MsKey2 = "032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0";

    /// <summary>
    /// Cases from Bitcoin Core v29.2 src/test/descriptor_tests.cpp (CheckUnparsable), with the kind and
    /// the text that the error position must point at (its first occurrence, or after <c>after</c>).
    /// </summary>
    public static TheoryData<string, DescriptorErrorKind, string, string?> CoreCases() => new()
    {
        // "wpkh(): Pubkey '03a3...' is invalid": 32 bytes of hex outside tr() (Core: not a valid pubkey; here: x-only outside tr()).
        { "sh(wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5))", DescriptorErrorKind.WrongContext, "03a34b", null },
        // "pkh(): Key origin start '[ character expected but not found": the stray ']' is reported.
        { $"pkh(deadbeef/1/2h/3/4h]{Pub})", DescriptorErrorKind.KeyOrigin, "]", null },
        // "pkh(): Multiple ']' characters found for a single pubkey".
        { $"pkh([deadbeef]/1/2'/3/4']{Pub})", DescriptorErrorKind.KeyOrigin, "]", "[deadbeef]" },
        // "wpkh(): Uncompressed keys are not allowed" (WIF and hex forms).
        { $"wpkh({UncompressedWif})", DescriptorErrorKind.UncompressedKey, UncompressedWif, null },
        { $"wsh(pk({Uncompressed}))", DescriptorErrorKind.UncompressedKey, Uncompressed, null },
        { $"sh(wpkh({Uncompressed}))", DescriptorErrorKind.UncompressedKey, Uncompressed, null },
        // "combo(): Hybrid public keys are not allowed".
        { "combo(07a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235)", DescriptorErrorKind.InvalidKey, "07a34b", null },
        // "combo(): Fingerprint is not 4 bytes (9 characters instead of 8 characters)".
        { $"combo([012345678]{Xpub})", DescriptorErrorKind.KeyOrigin, "012345678", null },
        // "pkh(): Key path value 2147483648 is out of range" / "'1aa' is not a valid uint32".
        { $"pkh({Xpub}/2147483648)", DescriptorErrorKind.DerivationPath, "2147483648", null },
        { $"pkh({Xprv}/1aa)", DescriptorErrorKind.DerivationPath, "1aa", null },
        // "pkh(): Multiple multipath key path specifiers found".
        { $"pkh({Xpub}/<0;1>/<2;3>)", DescriptorErrorKind.Multipath, "<2;3>", null },
        // "pkh(): Key path value '<0;1>' specifies multipath in a section where multipath is not allowed".
        { $"pkh([deadbeef/<0;1>]{Xpub}/0)", DescriptorErrorKind.KeyOrigin, "<0;1>", null },
        // "wpkh(): Multipath key path specifiers must have at least two items".
        { $"wpkh({Xpub}/<0>/*)", DescriptorErrorKind.Multipath, "<0>", null },
        // "wpkh(): Duplicated key path value 1 in multipath specifier".
        { $"wpkh({Xpub}/<1;1>/*)", DescriptorErrorKind.Multipath, "<1;1>", null },
        // "Multi: Fingerprint 'aaagaaaa' is not hex".
        { $"wsh(multi(2,[aaagaaaa]{Xpub}/0,{Pub}))", DescriptorErrorKind.KeyOrigin, "aaagaaaa", null },
        // "Can only have sh() at top level" / "Can only have wsh() at top level or inside sh()".
        { $"wsh(sh(pk({Pub})))", DescriptorErrorKind.WrongContext, "sh(pk", null },
        { $"wsh(wsh(pk({Pub})))", DescriptorErrorKind.WrongContext, "wsh(pk", null },
        // "Expected 8 character checksum, not 9 characters" / "Provided checksum ... does not match".
        { $"pkh({Pub})#tjg09x5tq", DescriptorErrorKind.Checksum, "tjg09x5tq", null },
        { $"pkh({Pub})#tjg09x5t", DescriptorErrorKind.Checksum, "tjg09x5t", null },
        // "Address is not valid" / "Raw script is not hex" / "Invalid characters in payload".
        { "addr(asdf)", DescriptorErrorKind.InvalidArgument, "asdf", null },
        { "raw(asdf)", DescriptorErrorKind.InvalidArgument, "s", null },
        { "raw(Ü)#00000000", DescriptorErrorKind.InvalidCharacter, "Ü", null },
        // "Miniscript expressions can only be used in wsh or tr."
        { $"sh(and_v(vc:andor(pk({MsKey1}),pk_k({MsKey2}),and_v(v:older(1),pk_k({MsKey1}))),after(10)))", DescriptorErrorKind.WrongContext, "and_v", null },
        // "... is not sane: witnesses without signature exist" / "contains duplicate public keys".
        { $"wsh(or_i(older(1),pk({MsKey1})))", DescriptorErrorKind.Miniscript, "or_i", null },
        { $"wsh(and_b(or_b(pkh({MsKey1}),s:pk({MsKey2})),s:pk({MsKey1})))", DescriptorErrorKind.Miniscript, "and_b", null },
        // "Uncompressed keys are not allowed" inside a miniscript key: the key's own error, at the key.
        { $"wsh(and_v(v:pk({MsKey1}),pk_k({Uncompressed})))", DescriptorErrorKind.UncompressedKey, Uncompressed, null },
        // A hardened step below an xpub inside sh(): parses (the script cannot be built, so no size
        // check), but a bad threshold next to it is still reported where it is.
        { $"sh(multi(3,{Xpub}/1h/*,{Pub}))", DescriptorErrorKind.Threshold, "3", null },
    };

    [Theory]
    [MemberData(nameof(CoreCases))]
    public void Core_bad_descriptors_give_typed_errors_at_the_offending_text(string text, DescriptorErrorKind kind, string at, string? after)
    {
        var (ok, error, exceptions) = ParseCountingExceptions(text);

        Assert.False(ok, text);
        Assert.NotNull(error);
        Assert.Equal(kind, error.Kind);
        Assert.StartsWith("descriptor: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("descriptor.", error.Code, StringComparison.Ordinal);
        var from = after is null ? 0 : text.IndexOf(after, StringComparison.Ordinal) + after.Length;
        Assert.Equal(text.IndexOf(at, from, StringComparison.Ordinal), error.Position);
        Assert.Equal(0, exceptions);
    }

    [Fact]
    public void Private_keys_never_reach_the_message()
    {
        var (ok, error, _) = ParseCountingExceptions($"wsh(pk({UncompressedWif}))");
        Assert.False(ok);
        Assert.DoesNotContain(UncompressedWif, error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(UncompressedWif[..12], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_invalid_bip_vector_is_a_typed_error_without_exceptions()
    {
        var bips = JsonNode.Parse(Vectors.ReadText("bips", "bip380-390_descriptor_test_vectors.json"))!["bips"]!.AsObject();
        var count = 0;
        foreach (var (_, node) in bips)
        {
            foreach (var list in new[] { "invalid", "invalid_key_expressions" })
            {
                foreach (var entry in node![list] as JsonArray ?? [])
                {
                    var c = entry!.AsObject();
                    var text = (c["descriptor"] ?? c["key_expression"])?.GetValue<string>();
                    if (text is null)
                    {
                        continue;
                    }

                    if (list == "invalid_key_expressions")
                    {
                        // As DescriptorVectorTests does: pk() accepts every key kind except x-only.
                        text = $"pk({text})";
                    }

                    var (ok, error, exceptions) = ParseCountingExceptions(text);
                    Assert.False(ok, text);
                    Assert.True(Enum.IsDefined(error!.Kind), text);
                    Assert.True(error.Position is null || (error.Position >= 0 && error.Position <= text.Length), $"{text}: position {error.Position}");
                    Assert.True(0 == exceptions, $"{text}: {exceptions} first-chance exception(s)");
                    count++;
                }
            }
        }

        Assert.True(count > 20, $"only {count} invalid vectors");
    }

    [Fact]
    public void The_throwing_form_carries_the_same_typed_error()
    {
        var ex = Assert.Throws<BitcoinFormatException>(() => Descriptor.Parse($"wsh(sh(pk({Pub})))"));
        var error = Assert.IsType<DescriptorError>(ex.Error);
        Assert.Equal(DescriptorErrorKind.WrongContext, error.Kind);
        Assert.Equal("descriptor.wrong_context", error.Code);
        Assert.Equal(ex.Message, error.Message);
    }

    private static (bool Ok, DescriptorError? Error, int Exceptions) ParseCountingExceptions(string text)
    {
        var thread = Environment.CurrentManagedThreadId;
        var exceptions = 0;
        void OnFirstChance(object? sender, FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                Interlocked.Increment(ref exceptions);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        try
        {
            var ok = Descriptor.TryParse(text, out var descriptor, out var error);
            descriptor?.Dispose();
            return (ok, error, exceptions);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }
    }
}
