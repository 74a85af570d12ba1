// Checks RDF files, merged, against the OWL 2 DL and OWL 2 RL profiles with the OWL API's own
// profile checker (Debian's libowlapi-java). Usage: java ProfileCheck FILE...
// Files are loaded in the order given, so an owl:imports of an ontology loaded earlier resolves
// to it; other imports are ignored (never fetched). Prints, per profile, the number of violations
// and one line each; then the triples the parser could not map to OWL (dropped), if any.
import java.io.File;
import java.util.List;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.profiles.Profiles;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT);
        OWLOntology merged = manager.createOntology(IRI.create("urn:subdip:profile-check:merged"));
        int dropped = 0;
        for (String path : args) {
            OWLOntology loaded = manager.loadOntologyFromOntologyDocument(
                new FileDocumentSource(new File(path)), config);
            manager.addAxioms(merged, loaded.axioms(Imports.EXCLUDED));
            OWLDocumentFormat format = manager.getOntologyFormat(loaded);
            if (format != null && format.getOntologyLoaderMetaData().isPresent()) {
                OWLOntologyLoaderMetaData meta = format.getOntologyLoaderMetaData().get();
                if (meta instanceof RDFParserMetaData) {
                    long n = ((RDFParserMetaData) meta).getUnparsedTriples().count();
                    if (n > 0) {
                        System.out.println("UNPARSED " + path + " " + n);
                        ((RDFParserMetaData) meta).getUnparsedTriples().limit(20).forEach(
                            t -> System.out.println("UNPARSED-TRIPLE " + t));
                    }
                    dropped += n;
                }
            }
        }
        System.out.println("AXIOMS " + merged.getAxiomCount());
        report("DL", Profiles.OWL2_DL.checkOntology(merged));
        report("RL", Profiles.OWL2_RL.checkOntology(merged));
        System.out.println("DROPPED " + dropped);
    }

    private static void report(String name, OWLProfileReport report) {
        List<OWLProfileViolation> violations = report.getViolations();
        System.out.println(name + " " + violations.size());
        for (OWLProfileViolation v : violations) {
            System.out.println(name + "-VIOLATION " + v.toString().replace('\n', ' '));
        }
    }
}
