// Certificates, CA certificates and SNIs (Kong's certificates.lua, ca_certificates.lua, snis.lua).
#include "schema/schemas.h"
#include "schema/typedefs.h"
#include "schema/validators.h"
#include "schema/x509.h"

namespace portico::schema {

namespace {
std::string certError(const json& v) {
    return inspectCertificate(v.get<std::string>()).error;
}

void checkCertificate(const json& e, json& errors) {
    if (auto err = checkKeyPair(e["cert"].get<std::string>(), e["key"].get<std::string>());
        !err.empty())
        errors[err.rfind("invalid key", 0) == 0 ? "key" : "@entity"] =
            err.rfind("invalid key", 0) == 0 ? json(err) : json::array({err});
    const bool hasAltCert = !e["cert_alt"].is_null(), hasAltKey = !e["key_alt"].is_null();
    if (hasAltCert != hasAltKey) {
        errors["@entity"] =
            json::array({"all or none of these fields must be set: 'cert_alt', 'key_alt'"});
        return;
    }
    if (!hasAltCert) return;
    if (auto err = checkKeyPair(e["cert_alt"].get<std::string>(), e["key_alt"].get<std::string>());
        !err.empty()) {
        if (err.rfind("invalid key", 0) == 0)
            errors["key_alt"] = err;
        else
            errors["@entity"] = json::array({"alternative " + err});
        return;
    }
    if (inspectCertificate(e["cert"].get<std::string>()).keyType ==
        inspectCertificate(e["cert_alt"].get<std::string>()).keyType)
        errors["@entity"] = json::array(
            {"certificate and alternative certificate need to have different type "
             "(e.g. RSA and ECDSA), the provided certificates were both of the same type"});
}
} // namespace

EntitySchema makeCertificateSchema() {
    EntitySchema s;
    s.name = "certificates";
    s.foreignName = "certificate";
    s.fields = {
        Field::string("cert").req().validate(certError).describe("PEM certificate (chain)."),
        Field::string("key").req().describe("PEM private key matching the certificate."),
        Field::string("cert_alt")
            .validate(certError)
            .describe("Alternative certificate of another key type."),
        Field::string("key_alt").describe("Private key of the alternative certificate."),
        Field::setOf("snis", Field::string("sni").validate(checkSniName))
            .describe("Shorthand: SNI names created for this certificate."),
    };
    typedefs::addCommon(s.fields);
    s.entityCheck = checkCertificate;
    return s;
}

EntitySchema makeCaCertificateSchema() {
    EntitySchema s;
    s.name = "ca_certificates";
    s.foreignName = "ca_certificate";
    s.fields = {
        Field::string("cert").req().describe("PEM certificate of a certificate authority."),
        Field::string("cert_digest")
            .uniq()
            .derived()
            .describe("SHA-256 of the certificate, computed."),
    };
    typedefs::addCommon(s.fields);
    s.entityCheck = [](const json& e, json& errors) {
        CertificateInfo info = inspectCertificate(e["cert"].get<std::string>());
        if (!info.error.empty())
            errors["cert"] = info.error;
        else if (!info.isCa)
            errors["cert"] = "certificate does not appear to be a CA because it is missing the "
                             "\"CA\" basic constraint";
        else if (info.expired)
            errors["cert"] = "expired certificate";
    };
    s.compute = [](json& e) {
        e["cert_digest"] = inspectCertificate(e["cert"].get<std::string>()).sha256Hex;
    };
    return s;
}

EntitySchema makeSniSchema() {
    EntitySchema s;
    s.name = "snis";
    s.foreignName = "sni";
    s.endpointKey = "name";
    s.fields = {
        Field::string("name")
            .req()
            .uniq()
            .validate(checkSniName)
            .describe("Server name; one leading or trailing '*'."),
        Field::foreign("certificate", "certificates", OnDelete::Cascade).req(),
    };
    typedefs::addCommon(s.fields);
    return s;
}

} // namespace portico::schema
