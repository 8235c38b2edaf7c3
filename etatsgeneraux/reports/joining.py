"""One tagged PDF from parts typeset apart (typeset.py, `compile_pdf`): pages, structure
trees, named destinations, bookmarks and page count joined with pikepdf."""

import io
import re

import pikepdf


def _pairs(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _struct_elements(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _struct_elements(kid)


def _rename_ids(tree, prefix):
    """Gives the structure element ids of a part (« U10x0y0 ») a prefix of their own."""
    for element in _struct_elements(tree):
        if "/ID" in element:
            element.ID = pikepdf.String(prefix + str(element.ID))
        attributes = element.get("/A")
        for attribute in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                attribute.Headers = pikepdf.Array(
                    [pikepdf.String(prefix + str(name)) for name in attribute.Headers]
                )


def _outline_items(pdf, page_numbers, offset):
    """The bookmarks of a part as new items for the joined document."""

    def page_of(item):
        destination = item.destination
        if destination is None and item.action is not None:
            destination = item.action.get("/D")
        return page_numbers[destination[0].objgen] + offset

    def copy(item):
        new = pikepdf.OutlineItem(str(item.title), page_of(item))
        new.children.extend(copy(child) for child in item.children)
        return new

    with pdf.open_outline() as outline:
        return [copy(item) for item in outline.root]


def _document_element(tree):
    kids = tree.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def join_parts(parts, *, contents, pages):
    """One tagged PDF of parts typeset apart: their pages, structure trees (parent tree keys
    shifted, element ids prefixed), named destinations, bookmarks and page count; the links
    of the contents (the first part's only internal links, typeset towards stand-ins) lead
    to their entries: `contents`, their anchors in order, `pages`, the page of each."""
    joined = pikepdf.open(io.BytesIO(parts[0]))
    links = [
        annotation
        for page in joined.pages
        for annotation in page.obj.get("/Annots", [])
        if "/Dest" in annotation
    ]
    if len(links) != len(contents):
        raise RuntimeError(f"{len(links)} liens pour {len(contents)} entrées du sommaire")
    tree = joined.Root.StructTreeRoot
    document = _document_element(tree)
    nums = list(tree.ParentTree.Nums)
    next_key = int(tree.ParentTreeNextKey)
    ids = list(tree.IDTree.Names) if "/IDTree" in tree else []
    dests = {str(name): target for name, target in _pairs(list(joined.Root.Names.Dests.Names))}
    bookmarks = []
    for number, data in enumerate(parts[1:], start=1):
        part = pikepdf.open(io.BytesIO(data))
        part_tree = part.Root.StructTreeRoot
        prefix = f"p{number}-"
        _rename_ids(part_tree, prefix)
        page_numbers = {page.obj.objgen: index for index, page in enumerate(part.pages)}
        bookmarks += _outline_items(part, page_numbers, len(joined.pages))
        for page in part.pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + next_key
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + next_key
        joined.pages.extend(part.pages)
        for kid in list(_document_element(part_tree).K):
            copied = joined.copy_foreign(kid)
            if isinstance(copied, pikepdf.Dictionary):
                copied.P = document
            document.K.append(copied)
        for key, value in _pairs(list(part_tree.ParentTree.Nums)):
            nums += [int(key) + next_key, joined.copy_foreign(value)]
        next_key += int(part_tree.ParentTreeNextKey)
        if "/IDTree" in part_tree:
            for name, element in _pairs(list(part_tree.IDTree.Names)):
                ids += [pikepdf.String(prefix + str(name)), joined.copy_foreign(element)]
        if "/Names" in part.Root and "/Dests" in part.Root.Names:
            for name, target in _pairs(list(part.Root.Names.Dests.Names)):
                dests[str(name)] = joined.copy_foreign(target)
    tree.ParentTree.Nums = pikepdf.Array(nums)
    tree.ParentTreeNextKey = next_key
    if ids:
        if "/IDTree" not in tree:
            tree.IDTree = joined.make_indirect(pikepdf.Dictionary())
        tree.IDTree.Names = pikepdf.Array(
            [
                item
                for name, element in sorted(_pairs(ids), key=lambda p: str(p[0]))
                for item in (name, element)
            ]
        )
    joined.Root.Names.Dests.Names = pikepdf.Array(
        [item for name in sorted(dests) for item in (pikepdf.String(name), dests[name])]
    )
    with joined.open_outline() as outline:
        outline.root.extend(bookmarks)
    for link, anchor in zip(links, contents, strict=True):
        if anchor in dests:  # a heading: its exact place
            link.Dest = pikepdf.String(anchor)
        else:
            link.Dest = pikepdf.Array([joined.pages[pages[anchor] - 1].obj, pikepdf.Name.Fit])
    _describe_links(links, joined, dests)
    _count_pages_in_metadata(joined)
    output = io.BytesIO()
    joined.save(output)
    return output.getvalue()


def _describe_links(links, pdf, dests):
    """The contents' links were typeset towards stand-ins: their descriptions (« Chapitre,
    page 3 ») now name the page of their real target."""
    numbers = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}
    for link in links:
        target = link.Dest
        if isinstance(target, pikepdf.String):
            target = dests[str(target)]
        if "/Contents" in link:
            text = re.sub(r"page \d+", f"page {numbers[target[0].objgen]}", str(link.Contents))
            link.Contents = pikepdf.String(text)


def _count_pages_in_metadata(pdf):
    xmp = pdf.Root.Metadata.read_bytes()
    xmp = re.sub(
        rb"<xmpTPg:NPages>\d+</xmpTPg:NPages>",
        f"<xmpTPg:NPages>{len(pdf.pages)}</xmpTPg:NPages>".encode(),
        xmp,
    )
    pdf.Root.Metadata.write(xmp)
